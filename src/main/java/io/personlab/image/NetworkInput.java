package io.personlab.image;

import io.personlab.geometry.FrameTransform;

/**
 * One image resized and padded for the network: an NHWC float tensor [1, height, width, 3] and
 * the transform from original image pixels to its pixels.
 */
public record NetworkInput(float[] data, int height, int width, FrameTransform transform) {}
