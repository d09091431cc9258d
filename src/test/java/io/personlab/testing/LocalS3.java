package io.personlab.testing;

import com.amazonaws.auth.AWSStaticCredentialsProvider;
import com.amazonaws.auth.BasicAWSCredentials;
import com.amazonaws.client.builder.AwsClientBuilder;
import com.amazonaws.services.s3.AmazonS3;
import com.amazonaws.services.s3.AmazonS3ClientBuilder;
import com.robothy.s3.rest.bootstrap.LocalS3Mode;
import java.net.ServerSocket;
import org.apache.hadoop.conf.Configuration;

/**
 * A real S3-compatible server (local-s3-rest, in this JVM, in memory) on 127.0.0.1, with the s3a
 * settings that reach it. The credentials are deliberately secret-looking, so tests can prove
 * they never reach a log line or an output file.
 */
public final class LocalS3 implements AutoCloseable {
  public static final String ACCESS_KEY = "AKIAPERSONLABTEST0001";
  public static final String SECRET_KEY = "pl-secret-7f3a9c1e-never-logged";

  private final com.robothy.s3.rest.LocalS3 server;
  private final int port;
  private final AmazonS3 client;

  public LocalS3() throws java.io.IOException {
    try (ServerSocket s = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
      port = s.getLocalPort();
    }
    server = com.robothy.s3.rest.LocalS3.builder().port(port).mode(LocalS3Mode.IN_MEMORY).build();
    server.start();
    client = AmazonS3ClientBuilder.standard()
        .withEndpointConfiguration(new AwsClientBuilder.EndpointConfiguration(endpoint(), "us-east-1"))
        .withPathStyleAccessEnabled(true)
        .withCredentials(new AWSStaticCredentialsProvider(new BasicAWSCredentials(ACCESS_KEY, SECRET_KEY))).build();
  }

  public String endpoint() {
    return "http://127.0.0.1:" + port;
  }

  public AmazonS3 client() {
    return client;
  }

  /** The s3a settings for this server, applied to a Hadoop configuration. */
  public void configure(Configuration conf) {
    conf.set("fs.s3a.endpoint", endpoint());
    conf.set("fs.s3a.endpoint.region", "us-east-1");
    conf.set("fs.s3a.path.style.access", "true");
    conf.set("fs.s3a.connection.ssl.enabled", "false");
    conf.set("fs.s3a.aws.credentials.provider", "org.apache.hadoop.fs.s3a.SimpleAWSCredentialsProvider");
    conf.set("fs.s3a.access.key", ACCESS_KEY);
    conf.set("fs.s3a.secret.key", SECRET_KEY);
    conf.set("fs.s3a.change.detection.version.required", "false");
    // each test has its own server (port): no filesystem cached for another one
    conf.set("fs.s3a.impl.disable.cache", "true");
  }

  @Override
  public void close() {
    server.shutdown();
  }
}
