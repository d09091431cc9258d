"""Nightly PersonLab run on Dataproc: instantiates the workflow template imported by
deploy/dataproc/workflow.sh (label, then report + export-coco + evaluate), dated by ``{{ ds }}``.

Each night's HTML reports (static pages with relative links: download the folder, or serve it
from GCS as a static site, and open index.html):
  {personlab_output}-reports/run_date={{ ds }}/labels/index.html       the labels (report command)
  {personlab_output}-eval/run_date={{ ds }}/{keypoints,segm}/index.html  evaluate's reports, beside
                                               its metrics.json (worst images drawn from the photos)

The template runs on the cluster labelled project=personlab (deploy/dataproc/create-cluster.sh).
Airflow Variables, no secrets (the google_cloud_default connection or the Composer service
account carries the credentials):
  personlab_gcs_prefix    gs://my-bucket/personlab/0.1.0   (as given to stage.sh)
  personlab_input         gs://my-bucket/photos/  (the same prefix every night: the job
                          labels only photos without an ok row yet)
  personlab_output        gs://my-bucket/labels
  personlab_gt            gs://my-bucket/gt/person_keypoints_val2017.json
  personlab_eval_images   gs://my-bucket/val2017/  (required: the folder the ground truth's
                          file_name values resolve under; evaluate draws its worst images)
  personlab_eval_labels   labels to evaluate [personlab_output]
Environment of the Airflow workers (read when the DAG is parsed, because project_id and region
are not templated fields in every provider version): PERSONLAB_GCP_PROJECT, PERSONLAB_GCP_REGION.
Requires apache-airflow-providers-google.
"""
from __future__ import annotations

import os

import pendulum
from airflow import DAG
from airflow.providers.google.cloud.operators.dataproc import (
    DataprocInstantiateWorkflowTemplateOperator,
)

OUTPUT = "{{ var.value.personlab_output }}"
OUTPUT_ROOT = "{{ var.value.personlab_output.rstrip('/') }}"  # siblings of the label root
EVAL_OUTPUT = OUTPUT_ROOT + "-eval/run_date={{ ds }}"
# Never inside OUTPUT: its run directories are what the readers scan.
REPORT_OUTPUT = OUTPUT_ROOT + "-reports/run_date={{ ds }}/labels"

with DAG(
    dag_id="personlab_nightly_dataproc",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # the label job allows one run per output at a time
    default_args={"retries": 0},
    tags=["personlab", "dataproc"],
) as dag:
    DataprocInstantiateWorkflowTemplateOperator(
        task_id="label_and_evaluate",
        project_id=os.environ.get("PERSONLAB_GCP_PROJECT"),
        region=os.environ.get("PERSONLAB_GCP_REGION", "europe-west4"),
        template_id="personlab-nightly",
        parameters={
            "INPUT": "{{ var.value.personlab_input }}",
            "OUTPUT": OUTPUT,
            "MODEL": "{{ var.value.personlab_gcs_prefix }}/models/bodypix-mobilenet050-stride16.onnx",
            "RUN_DATE": "{{ ds }}",
            "REPORT_OUTPUT": REPORT_OUTPUT,
            "EVAL_LABELS": "{{ var.value.get('personlab_eval_labels', var.value.personlab_output) }}",
            "GT": "{{ var.value.personlab_gt }}",
            "EVAL_IMAGES": "{{ var.value.personlab_eval_images }}",
            "KEYPOINTS_RESULTS": EVAL_OUTPUT + "/keypoints_results.json",
            "SEGM_RESULTS": EVAL_OUTPUT + "/segm_results.json",
            "KEYPOINTS_EVAL_OUTPUT": EVAL_OUTPUT + "/keypoints",
            "SEGM_EVAL_OUTPUT": EVAL_OUTPUT + "/segm",
        },
    )
