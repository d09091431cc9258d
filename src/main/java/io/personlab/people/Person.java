package io.personlab.people;

import io.personlab.rle.Rle;

/**
 * One person found in an image, in original image pixels: keypoints as COCO lays them out
 * ({@code x, y, score} per keypoint type), the instance score, a box [x, y, w, h] (the mask's
 * when there is a mask, else the keypoints'), and the instance mask (null when the model has no
 * segmentation heads).
 */
public record Person(double[] keypoints, double score, double[] box, Rle mask) {
  public int numKeypoints() {
    return keypoints.length / 3;
  }

  public double x(int k) {
    return keypoints[3 * k];
  }

  public double y(int k) {
    return keypoints[3 * k + 1];
  }

  public double keypointScore(int k) {
    return keypoints[3 * k + 2];
  }
}
