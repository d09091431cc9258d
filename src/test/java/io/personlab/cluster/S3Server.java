package io.personlab.cluster;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.robothy.s3.rest.LocalS3;
import com.robothy.s3.rest.bootstrap.LocalS3Mode;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.Map;

/**
 * A real S3-compatible server (local-s3-rest, in the test JVM, in memory) on 127.0.0.1: the
 * cluster's processes reach it over HTTP like any S3 endpoint, so inputs, outputs and the model
 * live in S3 and never on a path the processes could share by accident.
 */
final class S3Server implements AutoCloseable {
  final int port;
  final AmazonS3 client;
  private final LocalS3 server;

  S3Server() throws IOException {
    port = freePort();
    server = LocalS3.builder().port(port).mode(LocalS3Mode.IN_MEMORY).build();
    server.start();
    client = AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint(), "us-east-1"))
        .withPathStyleAccessEnabled(true)
        .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials("test", "test"))).build();
  }

  String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  /** The Hadoop s3a settings for this server (without the spark.hadoop. prefix). */
  Map<String, String> s3a() {
    Map<String, String> c = new LinkedHashMap<>();
    c.put("fs.s3a.endpoint", endpoint());
    c.put("fs.s3a.endpoint.region", "us-east-1");
    c.put("fs.s3a.path.style.access", "true");
    c.put("fs.s3a.connection.ssl.enabled", "false");
    c.put("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    c.put("fs.s3a.access.key", "test");
    c.put("fs.s3a.secret.key", "test");
    c.put("fs.s3a.change.detection.version.required", "false");
    return c;
  }

  /** Uploads the regular files of a directory (not recursive); returns how many. */
  int putFiles(String bucket, String prefix, Path dir) throws IOException {
    if (!client.doesBucketExistV2(bucket)) {
      client.createBucket(bucket);
    }
    int n = 0;
    try (var files = Files.list(dir)) {
      for (Path f : (Iterable<Path>) files.sorted()::iterator) {
        if (Files.isRegularFile(f)) {
          client.putObject(bucket, prefix + f.getFileName(), f.toFile());
          n++;
        }
      }
    }
    return n;
  }

  void putFile(String bucket, String key, Path file) {
    if (!client.doesBucketExistV2(bucket)) {
      client.createBucket(bucket);
    }
    client.putObject(bucket, key, file.toFile());
  }

  static int freePort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
