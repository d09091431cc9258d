package io.personlab.targets;

import io.personlab.maps.PersonLabMaps;

/**
 * PersonLab's training targets for one image, as maps plus where each is defined (1) or not (0),
 * every mask planar over the grid's cells like the maps:
 *
 * @param maps p_k disks, S_k, M (forward and backward), p_S and L_k; 0 where undefined
 * @param shortValid [K][cells]: inside a disk of radius R around a labelled keypoint k
 * @param midForwardValid [E][cells]: inside the parent's disk, both ends labelled
 * @param midBackwardValid [E][cells]: inside the child's disk, both ends labelled
 * @param longValid [K][cells]: inside exactly one person's mask, that person's keypoint labelled
 * @param ignore [cells]: crowd regions and people without keypoints, left out of the heatmap
 *     loss (and crowd out of the segmentation loss)
 */
public record Targets(
    PersonLabMaps maps,
    byte[] shortValid,
    byte[] midForwardValid,
    byte[] midBackwardValid,
    byte[] longValid,
    byte[] ignore) {}
