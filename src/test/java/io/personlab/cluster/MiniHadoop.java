package io.personlab.cluster;

import java.io.OutputStream;
import java.nio.file.Files;
import java.nio.file.Path;
import org.apache.hadoop.conf.Configuration;
import org.apache.hadoop.hdfs.MiniDFSCluster;
import org.apache.hadoop.yarn.conf.YarnConfiguration;
import org.apache.hadoop.yarn.server.MiniYARNCluster;

/**
 * HDFS (one NameNode, one DataNode) and YARN (a ResourceManager, one NodeManager) in a process of
 * their own, started by YarnClusterIT: {@code MiniHadoop BASE_DIR CONF_DIR}. Writes the running
 * cluster's configuration as core-site.xml, hdfs-site.xml and yarn-site.xml into CONF_DIR (a
 * HADOOP_CONF_DIR for spark-submit), prints READY, and runs until its standard input closes or it
 * is killed.
 */
public final class MiniHadoop {
  private MiniHadoop() {}

  public static void main(String[] args) throws Exception {
    Path base = Path.of(args[0]).toAbsolutePath();
    Path confDir = Files.createDirectories(Path.of(args[1]).toAbsolutePath());
    YarnConfiguration conf = new YarnConfiguration();
    conf.set(MiniDFSCluster.HDFS_MINIDFS_BASEDIR, base.resolve("dfs").toString());
    // the capacity scheduler wants queue configuration; FIFO needs none
    conf.set(YarnConfiguration.RM_SCHEDULER,
        "org.apache.hadoop.yarn.server.resourcemanager.scheduler.fifo.FifoScheduler");
    // JVMs reserve far more virtual memory than they use; a full test disk is not a bad disk
    conf.setBoolean(YarnConfiguration.NM_VMEM_CHECK_ENABLED, false);
    conf.setBoolean(YarnConfiguration.NM_PMEM_CHECK_ENABLED, false);
    conf.setFloat(YarnConfiguration.NM_MAX_PER_DISK_UTILIZATION_PERCENTAGE, 99.5f);
    // room for the application master (the driver in cluster mode) and two 1-core executors
    conf.setInt(YarnConfiguration.NM_PMEM_MB, 8192);
    conf.setInt(YarnConfiguration.NM_VCORES, 3);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MINIMUM_ALLOCATION_MB, 256);
    conf.setInt(YarnConfiguration.RM_SCHEDULER_MAXIMUM_ALLOCATION_MB, 4096);
    conf.set("dfs.replication", "1");
    // loopback only
    conf.set("dfs.datanode.address", "127.0.0.1:0");
    conf.set("dfs.datanode.http.address", "127.0.0.1:0");
    conf.set("dfs.datanode.ipc.address", "127.0.0.1:0");
    conf.set("dfs.namenode.http-address", "127.0.0.1:0");

    MiniDFSCluster dfs = new MiniDFSCluster.Builder(conf).numDataNodes(1).build();
    dfs.waitClusterUp();
    conf.set("fs.defaultFS", dfs.getURI().toString());
    MiniYARNCluster yarn = new MiniYARNCluster("personlab", 1, 1, 1);
    yarn.init(conf);
    yarn.start();
    Configuration running = new Configuration(yarn.getConfig());
    running.set("fs.defaultFS", dfs.getURI().toString());
    // names StaticMapping, a test class the application master's container does not have
    // ("External scheduler cannot be instantiated")
    running.unset("net.topology.node.switch.mapping.impl");
    for (String file : new String[] {"core-site.xml", "hdfs-site.xml", "yarn-site.xml"}) {
      try (OutputStream out = Files.newOutputStream(confDir.resolve(file))) {
        running.writeXml(out);
      }
    }
    System.out.println("READY " + dfs.getURI() + " " + running.get(YarnConfiguration.RM_ADDRESS));
    System.out.flush();
    Runtime.getRuntime().addShutdownHook(new Thread(() -> {
      yarn.stop();
      dfs.shutdown();
    }));
    while (System.in.read() >= 0) {
      // until the test closes our standard input
    }
    System.exit(0);
  }
}
