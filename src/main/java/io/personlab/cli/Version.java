package io.personlab.cli;

import picocli.CommandLine;

/** The version from the jar manifest, or "dev" when run from classes. */
final class Version implements CommandLine.IVersionProvider {
  @Override
  public String[] getVersion() {
    String v = PersonLab.class.getPackage().getImplementationVersion();
    return new String[] {"personlab " + (v == null ? "dev" : v)};
  }
}
