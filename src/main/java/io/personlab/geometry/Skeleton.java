package io.personlab.geometry;

import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;

/**
 * The keypoint types and the tree-structured kinematic graph whose edges the mid-range offsets
 * follow. Edge e connects {@code parent(e)} to {@code child(e)}; the decoder walks each edge in
 * both directions (the 2(K-1) directed edges of the paper): forward with the forward mid-range
 * field, backward with the backward one.
 */
public record Skeleton(List<String> keypointNames, int[] parents, int[] children) implements java.io.Serializable {

  public Skeleton {
    keypointNames = List.copyOf(keypointNames);
    parents = parents.clone();
    children = children.clone();
    if (parents.length != children.length) {
      throw new IllegalArgumentException("edge list: parents and children differ in length");
    }
    int k = keypointNames.size();
    for (int e = 0; e < parents.length; e++) {
      if (parents[e] < 0 || parents[e] >= k || children[e] < 0 || children[e] >= k
          || parents[e] == children[e]) {
        throw new IllegalArgumentException("edge " + e + " is not between two keypoint types of " + k);
      }
    }
    if (!isSpanningTree(k, parents, children)) {
      throw new IllegalArgumentException("the edges must form a tree over all " + k + " keypoint types");
    }
  }

  public int numKeypoints() {
    return keypointNames.size();
  }

  public int numEdges() {
    return parents.length;
  }

  public int parent(int edge) {
    return parents[edge];
  }

  public int child(int edge) {
    return children[edge];
  }

  /** The index of a keypoint type by name. */
  public int keypoint(String name) {
    int i = keypointNames.indexOf(name);
    if (i < 0) {
      throw new IllegalArgumentException("no keypoint named " + name);
    }
    return i;
  }

  /**
   * The edges touching each keypoint, as signed codes: {@code e + 1} when the keypoint is the
   * parent (walk forward), {@code -(e + 1)} when it is the child (walk backward).
   */
  public int[][] adjacency() {
    List<List<Integer>> adj = new ArrayList<>();
    for (int i = 0; i < numKeypoints(); i++) {
      adj.add(new ArrayList<>());
    }
    for (int e = 0; e < parents.length; e++) {
      adj.get(parents[e]).add(e + 1);
      adj.get(children[e]).add(-(e + 1));
    }
    int[][] out = new int[numKeypoints()][];
    for (int i = 0; i < out.length; i++) {
      out[i] = adj.get(i).stream().mapToInt(Integer::intValue).toArray();
    }
    return out;
  }

  /**
   * Each keypoint type's mirror image under a left/right flip: {@code left_x} and {@code right_x}
   * swap, others (nose) map to themselves. A mirrored person's anatomical left appears where the
   * right was, so a flipped image's map of type k describes type {@code mirror[k]} of the original.
   */
  public int[] mirroredKeypoints() {
    int[] m = new int[numKeypoints()];
    for (int k = 0; k < m.length; k++) {
      String n = keypointNames.get(k);
      String other = n.startsWith("left_") ? "right_" + n.substring(5)
          : n.startsWith("right_") ? "left_" + n.substring(6) : n;
      m[k] = keypointNames.indexOf(other);
      if (m[k] < 0) {
        throw new IllegalArgumentException("keypoint " + n + " has no mirror " + other);
      }
    }
    return m;
  }

  /**
   * Each edge's mirror image as a signed code: {@code f + 1} when edge f joins the mirrored parent
   * to the mirrored child (same direction), {@code -(f + 1)} when it joins them the other way.
   */
  public int[] mirroredEdges() {
    int[] mk = mirroredKeypoints();
    int[] m = new int[numEdges()];
    for (int e = 0; e < m.length; e++) {
      int p = mk[parents[e]], c = mk[children[e]];
      m[e] = 0;
      for (int f = 0; f < m.length; f++) {
        if (parents[f] == p && children[f] == c) {
          m[e] = f + 1;
        } else if (parents[f] == c && children[f] == p) {
          m[e] = -(f + 1);
        }
      }
      if (m[e] == 0) {
        throw new IllegalArgumentException("edge " + e + " has no mirror image in the skeleton");
      }
    }
    return m;
  }

  /** Builds a skeleton from edges given by keypoint names, e.g. {"nose", "left_eye"}. */
  public static Skeleton of(List<String> names, String[][] edges) {
    int[] p = new int[edges.length];
    int[] c = new int[edges.length];
    for (int e = 0; e < edges.length; e++) {
      p[e] = names.indexOf(edges[e][0]);
      c[e] = names.indexOf(edges[e][1]);
      if (p[e] < 0 || c[e] < 0) {
        throw new IllegalArgumentException("edge " + Arrays.toString(edges[e]) + " names an unknown keypoint");
      }
    }
    return new Skeleton(names, p, c);
  }

  private static boolean isSpanningTree(int k, int[] parents, int[] children) {
    if (parents.length != k - 1) {
      return false;
    }
    int[] root = new int[k];
    for (int i = 0; i < k; i++) {
      root[i] = i;
    }
    for (int e = 0; e < parents.length; e++) {
      int a = find(root, parents[e]);
      int b = find(root, children[e]);
      if (a == b) {
        return false;
      }
      root[a] = b;
    }
    return true;
  }

  private static int find(int[] root, int i) {
    while (root[i] != i) {
      root[i] = root[root[i]];
      i = root[i];
    }
    return i;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Skeleton s && s.keypointNames.equals(keypointNames)
        && Arrays.equals(s.parents, parents) && Arrays.equals(s.children, children);
  }

  @Override
  public int hashCode() {
    return keypointNames.hashCode() * 31 + Arrays.hashCode(parents) * 7 + Arrays.hashCode(children);
  }
}
