package io.personlab.jobs;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;

/**
 * Which device a task's model runs on: the first GPU Spark's resource scheduling assigned to the
 * task ({@code spark.task.resource.gpu.amount}), else the CPU.
 */
public final class DeviceSelector {
  private DeviceSelector() {}

  public static Device select(Map<String, ResourceInformation> taskResources) {
    ResourceInformation gpu = taskResources == null ? null : taskResources.get("gpu");
    if (gpu == null || gpu.addresses().length == 0) {
      return Device.cpu();
    }
    String address = gpu.addresses()[0].trim();
    try {
      return Device.gpu(Integer.parseInt(address));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("GPU address '" + address + "' from Spark's resource discovery is not a device number", e);
    }
  }
}
