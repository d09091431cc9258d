package io.personlab.pipeline;

import io.personlab.people.Person;
import java.util.List;

/**
 * The people found in one image, with its size and where the time went (milliseconds: image
 * decoding and resizing, network forward passes over all scales, post-processing).
 */
public record ImageResult(int width, int height, List<Person> people, double decodeMs, double forwardMs,
    double postMs) {}
