package io.taskpulse.server.auth;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;

/** The generated HS256 secret of a node without {@code TASKPULSE_JWT_SECRET}, kept on disk. */
public final class Secrets {

  public static final String FILE = "jwt-secret";

  private Secrets() {}

  /** Reads {@code dataDir/jwt-secret}, creating it (owner-only) on first use. */
  public static String loadOrCreate(Path dataDir) {
    Path file = dataDir.resolve(FILE);
    try {
      if (Files.exists(file)) {
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      Files.createDirectories(dataDir);
      byte[] bytes = new byte[48];
      new SecureRandom().nextBytes(bytes);
      String secret = Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
      Path tmp = Files.createTempFile(dataDir, FILE, ".tmp");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException ignored) {
        // not a POSIX file system; the data directory's own permissions apply
      }
      Files.writeString(tmp, secret, StandardCharsets.UTF_8);
      try {
        Files.move(tmp, file);
      } catch (FileAlreadyExistsException raced) {
        Files.delete(tmp);
        return Files.readString(file, StandardCharsets.UTF_8).trim();
      }
      return secret;
    } catch (IOException e) {
      throw new UncheckedIOException("cannot read or create the JWT secret in " + dataDir, e);
    }
  }
}
