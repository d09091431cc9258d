package io.personlab.jobs;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import ai.djl.Device;
import java.util.Map;
import org.apache.spark.resource.ResourceInformation;
import org.junit.jupiter.api.Test;

/** The task's GPU picks the device; without GPU resources, the CPU. (No GPU needed.) */
class DeviceSelectorTest {
  @Test
  void firstAssignedGpuAddressIsTheDevice() {
    assertEquals(Device.gpu(3), DeviceSelector.select(Map.of("gpu", new ResourceInformation("gpu", new String[] {"3", "1"}))));
    assertEquals(Device.gpu(0), DeviceSelector.select(Map.of("gpu", new ResourceInformation("gpu", new String[] {" 0 "}))));
  }

  @Test
  void noGpuMeansCpu() {
    assertEquals(Device.cpu(), DeviceSelector.select(null));
    assertEquals(Device.cpu(), DeviceSelector.select(Map.of()));
    assertEquals(Device.cpu(), DeviceSelector.select(Map.of("gpu", new ResourceInformation("gpu", new String[0]))));
  }

  @Test
  void aNonNumericAddressIsAnError() {
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class,
        () -> DeviceSelector.select(Map.of("gpu", new ResourceInformation("gpu", new String[] {"GPU-7f3a"}))));
    assertEquals("GPU address 'GPU-7f3a' from Spark's resource discovery is not a device number", e.getMessage());
  }
}
