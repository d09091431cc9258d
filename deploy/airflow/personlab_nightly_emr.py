"""Nightly PersonLab run on an existing EMR 7 GPU cluster: label + report, export-coco + evaluate.

The steps are those of deploy/emr/steps-label.json and steps-evaluate.json (keep them in step),
with the run date templated from Airflow's logical date ``{{ ds }}``. The cluster is made with
deploy/emr/create-cluster.sh and the artifacts with deploy/emr/stage.sh.

Each night's HTML reports (static pages with relative links: download the folder, or serve it
from S3 as a static site, and open index.html):
  {personlab_output}-reports/run_date={{ ds }}/labels/index.html       the labels (report command)
  {personlab_output}-eval/run_date={{ ds }}/{keypoints,segm}/index.html  evaluate's reports, beside
                                               its metrics.json (worst images drawn from the photos)

Airflow Variables (Admin -> Variables), no secrets: the AWS connection ``aws_default`` carries
the credentials (or the worker's IAM role on MWAA):
  personlab_emr_cluster_id   j-XXXXXXXX
  personlab_s3_prefix        s3://my-bucket/personlab/0.1.0   (as given to stage.sh)
  personlab_input            s3://my-bucket/photos/  (same prefix every night: the job labels only
                             photos without an ok row yet; comma-separated list ok)
  personlab_output           s3://my-bucket/labels
  personlab_gt               s3://my-bucket/gt/person_keypoints_val2017.json
  personlab_eval_images      s3://my-bucket/val2017/  (required: the folder the ground truth's
                             file_name values resolve under; evaluate draws its worst images)
  personlab_eval_labels      labels to evaluate [personlab_output]
Requires apache-airflow-providers-amazon.
"""
from __future__ import annotations

import pendulum
from airflow import DAG
from airflow.providers.amazon.aws.operators.emr import EmrAddStepsOperator
from airflow.providers.amazon.aws.sensors.emr import EmrStepSensor

JOB_JAR_NAME = "personlab-spark-0.1.0-SNAPSHOT-spark.jar"
PREFIX = "{{ var.value.personlab_s3_prefix }}"
OUTPUT = "{{ var.value.personlab_output }}"
OUTPUT_ROOT = "{{ var.value.personlab_output.rstrip('/') }}"  # siblings of the label root
EVAL_LABELS = "{{ var.value.get('personlab_eval_labels', var.value.personlab_output) }}"
EVAL_OUTPUT = OUTPUT_ROOT + "-eval/run_date={{ ds }}"
# Never inside OUTPUT: its run directories are what the readers scan.
REPORT_OUTPUT = OUTPUT_ROOT + "-reports/run_date={{ ds }}/labels"


def submit(name: str, main_class: str, *args: str) -> dict:
    """One EMR step: personlab-submit (spark-submit with the project's defaults merged in)."""
    return {
        "Name": f"personlab-{name} {{{{ ds }}}}",
        "ActionOnFailure": "CONTINUE",
        "HadoopJarStep": {
            "Jar": "command-runner.jar",
            "Args": [
                "/opt/personlab/bin/personlab-submit",
                "--deploy-mode", "cluster",
                "--name", f"personlab-{name}-{{{{ ds }}}}",
                "--class", main_class,
                f"{PREFIX}/jars/{JOB_JAR_NAME}",
                *args,
            ],
        },
    }


LABEL_STEPS = [
    submit(
        "label", "io.personlab.cli.LabelCommand",
        "--defaults", f"{PREFIX}/conf/label.properties",
        "--input", "{{ var.value.personlab_input }}",
        "--output", OUTPUT,
        "--model", f"{PREFIX}/models/bodypix-mobilenet050-stride16.onnx",
        "--run-date", "{{ ds }}",
    ),
    # The current labels of the (one) configuration under OUTPUT, as export-coco reads them.
    submit(
        "report-labels", "io.personlab.cli.ReportCommand",
        "--labels", OUTPUT,
        "--output", REPORT_OUTPUT,
    ),
]

EVALUATE_STEPS = []
for iou in ("keypoints", "segm"):
    results = f"{EVAL_OUTPUT}/{iou}_results.json"
    EVALUATE_STEPS.append(submit(
        f"export-{iou}", "io.personlab.cli.ExportCocoCommand",
        "--labels", EVAL_LABELS, "--output", results, "--iou-type", iou))
    EVALUATE_STEPS.append(submit(
        f"evaluate-{iou}", "io.personlab.cli.EvaluateCommand",
        "--gt", "{{ var.value.personlab_gt }}", "--results", results, "--iou-type", iou,
        "--output", f"{EVAL_OUTPUT}/{iou}", "--images", "{{ var.value.personlab_eval_images }}"))

with DAG(
    dag_id="personlab_nightly_emr",
    schedule="0 2 * * *",
    start_date=pendulum.datetime(2025, 1, 1, tz="UTC"),
    catchup=False,
    max_active_runs=1,  # the label job allows one run per output at a time
    default_args={"retries": 0},
    tags=["personlab", "emr"],
) as dag:
    cluster_id = "{{ var.value.personlab_emr_cluster_id }}"

    add_label = EmrAddStepsOperator(
        task_id="add_label_step", job_flow_id=cluster_id, steps=LABEL_STEPS)
    # Watch the label step itself ([0]): the report step after it would succeed on the previous
    # complete run even if this one failed.
    wait_label = EmrStepSensor(
        task_id="wait_label", job_flow_id=cluster_id,
        step_id="{{ task_instance.xcom_pull(task_ids='add_label_step')[0] }}",
        poke_interval=60, timeout=12 * 3600, mode="reschedule")
    wait_report = EmrStepSensor(
        task_id="wait_report", job_flow_id=cluster_id,
        step_id="{{ task_instance.xcom_pull(task_ids='add_label_step')[-1] }}",
        poke_interval=60, timeout=3 * 3600, mode="reschedule")

    add_evaluate = EmrAddStepsOperator(
        task_id="add_evaluate_steps", job_flow_id=cluster_id, steps=EVALUATE_STEPS)
    # Steps run in order; the sensor fails if the step it watches fails. An earlier failed step
    # (ActionOnFailure=CONTINUE) makes the later ones fail on missing input, so the last suffices.
    wait_evaluate = EmrStepSensor(
        task_id="wait_evaluate", job_flow_id=cluster_id,
        step_id="{{ task_instance.xcom_pull(task_ids='add_evaluate_steps')[-1] }}",
        poke_interval=60, timeout=3 * 3600, mode="reschedule")

    add_label >> wait_label >> [wait_report, add_evaluate]
    add_evaluate >> wait_evaluate
