package io.taskpulse.server.accounts;

import com.fasterxml.jackson.databind.JsonNode;
import io.taskpulse.server.auth.AccountCheck;
import io.taskpulse.server.auth.Passwords;
import io.taskpulse.server.auth.Principal;
import io.taskpulse.server.errors.Problem;
import io.taskpulse.server.store.Db;
import io.taskpulse.server.store.TaskStore;
import io.taskpulse.server.store.Tx;
import io.taskpulse.server.tasks.TaskFields;
import java.security.SecureRandom;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;
import java.util.regex.Pattern;

/**
 * Users, teams and projects. Admins manage accounts and teams; users change their own name and
 * password; anyone may create a project, in a team they belong to. Blocks on the database.
 */
public final class AccountService implements AccountCheck {

  private static final Pattern ACCOUNT_ID = Pattern.compile("[A-Za-z0-9][A-Za-z0-9._@-]{0,63}");
  private static final int MIN_PASSWORD = 8;
  private static final int MAX_PASSWORD = 256;
  private static final SecureRandom RANDOM = new SecureRandom();

  private final Db db;
  private final TaskStore tasks;
  private final Clock clock;
  /** Every built-in account as the database said at the last refresh. */
  private volatile Map<String, Standing> standings = Map.of();
  private final List<Consumer<Set<String>>> standingListeners = new CopyOnWriteArrayList<>();
  private volatile Runnable onChangedHere = () -> {};

  public AccountService(Db db, TaskStore tasks, Clock clock) {
    this.db = db;
    this.tasks = tasks;
    this.clock = clock;
  }

  // ---- users ----

  /**
   * Creates the {@code admin} account on first start. Returns its password when this call
   * created it (generated unless {@code password} is given), else empty.
   */
  public Optional<String> ensureAdmin(String password) {
    String exists = "SELECT 1 FROM users WHERE id = 'admin'";
    if (db.read(tx -> tx.one(exists, rs -> 1)).isPresent()) {
      return Optional.empty(); // every start after the first: no hash (half a second) to make
    }
    String chosen = password != null ? password : Passwords.generate();
    String hash = Passwords.hash(chosen);
    long now = clock.millis();
    return db.write(tx -> {
      if (tx.one(exists, rs -> 1).isPresent()) {
        return Optional.empty(); // another node made it meanwhile
      }
      tx.update("INSERT INTO users (id, name, password_hash, admin, disabled, created_at,"
          + " updated_at) VALUES ('admin', 'Administrator', ?, 1, 0, ?, ?)", hash, now, now);
      return Optional.of(chosen);
    });
  }

  /** Checks a password; unknown user, wrong password and disabled account look the same. */
  public User login(JsonNode body) {
    String username = TaskFields.text("username", body.get("username"), 200, false);
    String password = TaskFields.text("password", body.get("password"), MAX_PASSWORD, false);
    Optional<String[]> row = db.read(tx -> tx.one(
        "SELECT password_hash, disabled FROM users WHERE id = ?",
        rs -> new String[] {rs.getString(1), Integer.toString(rs.getInt(2))}, username));
    // An unknown user costs a hash too, so the time of the answer does not tell who exists.
    boolean matches = Passwords.verify(password, row.isPresent() ? row.get()[0]
        : UnknownUser.HASH);
    boolean ok = row.isPresent() && matches && row.get()[1].equals("0");
    if (!ok) {
      throw Problem.unauthorized("wrong username or password");
    }
    return user(username);
  }

  /**
   * The account behind a token being refreshed, as the database has it now (teams, roles).
   * A token whose user has no built-in account, or whose account is disabled, gets 401: a
   * refresh is a sign-in by token, and those could not sign in.
   */
  public User refreshable(String userId) {
    User user = db.read(tx -> findUser(tx, userId)).orElseThrow(() -> Problem.unauthorized(
        "only built-in accounts can refresh a token; " + userId + " has none"));
    if (user.disabled()) {
      throw Problem.unauthorized("this account is disabled");
    }
    return user;
  }

  /** A hash no password is checked against successfully; made on first use (it is slow). */
  private static final class UnknownUser {
    static final String HASH = Passwords.hash(Passwords.generate());
  }

  public User user(String id) {
    return db.read(tx -> findUser(tx, id)).orElseThrow(() -> Problem.notFound("user", id));
  }

  public User createUser(Principal p, JsonNode body) {
    requireAdmin(p);
    checkFields(body, Set.of("id", "name", "password", "roles"));
    String id = accountId("id", body.get("id"));
    String name = body.has("name") ? name(body.get("name")) : id;
    String hash = Passwords.hash(password("password", body.get("password")));
    boolean admin = roles(body.get("roles"));
    long now = clock.millis();
    try {
      db.write(tx -> tx.update("INSERT INTO users (id, name, password_hash, admin, disabled,"
          + " created_at, updated_at) VALUES (?, ?, ?, ?, 0, ?, ?)", id, name, hash,
          admin ? 1 : 0, now, now));
    } catch (Db.UniqueViolation e) {
      throw Problem.conflict("a user " + id + " already exists");
    }
    changedHere(); // from now on the account's records, not its tokens alone, count
    return user(id);
  }

  public List<User> listUsers(Principal p) {
    return db.read(tx -> {
      List<User> out = new ArrayList<>();
      for (String id : tx.query("SELECT id FROM users ORDER BY id", rs -> rs.getString(1))) {
        findUser(tx, id).ifPresent(out::add);
      }
      return out;
    });
  }

  /**
   * Admins change anything but their own admin role and disabled flag; users change their own
   * name, and their password when they give the current one.
   */
  public User patchUser(Principal p, String id, JsonNode body) {
    boolean self = p.userId().equals(id);
    if (!self && !p.admin()) {
      throw Problem.notFound("user", id);
    }
    checkFields(body, Set.of("name", "password", "currentPassword", "roles", "disabled"));
    if ((body.has("roles") || body.has("disabled")) && !p.admin()) {
      throw Problem.forbidden("only an admin may change roles or disable accounts");
    }
    if (self && body.has("disabled") && body.get("disabled").asBoolean()) {
      throw Problem.invalid("disabled", "you cannot disable your own account");
    }
    String name = body.has("name") ? name(body.get("name")) : null;
    String newHash = null;
    if (body.has("password")) {
      String password = password("password", body.get("password"));
      if (!p.admin()) {
        String current = TaskFields.text("currentPassword", body.get("currentPassword"),
            MAX_PASSWORD, false);
        String stored = db.read(tx -> tx.one("SELECT password_hash FROM users WHERE id = ?",
            rs -> rs.getString(1), id)).orElse(null);
        if (!Passwords.verify(current, stored)) {
          throw Problem.invalid("currentPassword", "is not your current password");
        }
      }
      newHash = Passwords.hash(password);
    }
    Boolean admin = body.has("roles") ? roles(body.get("roles")) : null;
    if (admin != null && self && !admin) {
      throw Problem.invalid("roles", "you cannot remove your own admin role");
    }
    Boolean disable = body.has("disabled") ? bool("disabled", body.get("disabled")) : null;
    String hash = newHash;
    long now = clock.millis();
    db.write(tx -> {
      if (findUser(tx, id).isEmpty()) {
        throw Problem.notFound("user", id);
      }
      if (name != null) {
        tx.update("UPDATE users SET name = ?, updated_at = ? WHERE id = ?", name, now, id);
      }
      if (hash != null) {
        tx.update("UPDATE users SET password_hash = ?, updated_at = ? WHERE id = ?", hash, now, id);
      }
      if (admin != null) {
        tx.update("UPDATE users SET admin = ?, updated_at = ? WHERE id = ?", admin ? 1 : 0, now, id);
      }
      if (disable != null) {
        tx.update("UPDATE users SET disabled = ?, updated_at = ? WHERE id = ?", disable ? 1 : 0,
            now, id);
      }
      return null;
    });
    if (disable != null || admin != null) {
      changedHere(); // closes or narrows this user's live connections here at once
    }
    return user(id);
  }

  /** Whether tokens of this user are refused: the account was disabled. Never blocks. */
  public boolean isDisabled(String userId) {
    Standing s = standings.get(userId);
    return s != null && s.disabled();
  }

  /**
   * A token's principal as the records allow it now (see {@link AccountCheck}): empty for a
   * disabled account; without the teams a built-in account is no longer a member of, and
   * without the admin role it no longer has. Never blocks: reads the last refresh.
   */
  @Override
  public Optional<Principal> current(Principal fromToken) {
    Standing s = standings.get(fromToken.userId());
    if (s == null) {
      return Optional.of(fromToken); // not a built-in account: the token is the whole truth
    }
    if (s.disabled()) {
      return Optional.empty();
    }
    boolean admin = fromToken.admin() && s.admin();
    if (admin == fromToken.admin() && s.teams().containsAll(fromToken.teams())) {
      return Optional.of(fromToken);
    }
    Set<String> teams = new HashSet<>(fromToken.teams());
    teams.retainAll(s.teams());
    return Optional.of(new Principal(fromToken.userId(), teams, admin, fromToken.expiresAt()));
  }

  /**
   * Calls {@code listener} with the ids of the accounts whose standing (disabled, admin,
   * teams) changed at a refresh, on the refreshing thread; it must not block.
   */
  public void onStandingChanged(Consumer<Set<String>> listener) {
    standingListeners.add(listener);
  }

  /** Runs {@code action} after each account change made through this node (to tell the others). */
  public void onChangedHere(Runnable action) {
    this.onChangedHere = action;
  }

  /** A change made here: this node's connections hear of it now, and so do the other nodes. */
  private void changedHere() {
    refreshStandings();
    onChangedHere.run();
  }

  /**
   * Reloads every account's standing. Called after a change on this node, and every few
   * seconds for changes made on other nodes. Blocks on the database.
   */
  public synchronized void refreshStandings() {
    Map<String, Standing> next = db.read(tx -> {
      Map<String, Set<String>> teams = new HashMap<>();
      for (String[] m : tx.query("SELECT user_id, team_id FROM team_members",
          rs -> new String[] {rs.getString(1), rs.getString(2)})) {
        teams.computeIfAbsent(m[0], k -> new HashSet<>()).add(m[1]);
      }
      Map<String, Standing> out = new HashMap<>();
      for (Object[] u : tx.query("SELECT id, admin, disabled FROM users",
          rs -> new Object[] {rs.getString(1), rs.getInt(2) == 1, rs.getInt(3) == 1})) {
        String id = (String) u[0];
        out.put(id, new Standing((Boolean) u[2], (Boolean) u[1],
            teams.getOrDefault(id, Set.of())));
      }
      return out;
    });
    Map<String, Standing> before = standings;
    standings = Map.copyOf(next);
    Set<String> changed = new HashSet<>();
    next.forEach((id, s) -> {
      if (!s.equals(before.get(id))) {
        changed.add(id);
      }
    });
    before.keySet().stream().filter(id -> !next.containsKey(id)).forEach(changed::add);
    if (!changed.isEmpty()) {
      Set<String> ids = Set.copyOf(changed);
      standingListeners.forEach(l -> l.accept(ids));
    }
  }

  private Optional<User> findUser(Tx tx, String id) throws SQLException {
    List<String> teams = tx.query("SELECT team_id FROM team_members WHERE user_id = ?"
        + " ORDER BY team_id", rs -> rs.getString(1), id);
    return tx.one("SELECT id, name, admin, disabled, created_at, updated_at FROM users WHERE id = ?",
        rs -> new User(rs.getString(1), rs.getString(2),
            rs.getInt(3) == 1 ? List.of("admin") : List.of(), rs.getInt(4) == 1, teams,
            Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6))), id);
  }

  // ---- teams ----

  public Team createTeam(Principal p, JsonNode body) {
    requireAdmin(p);
    checkFields(body, Set.of("id", "name"));
    String id = accountId("id", body.get("id"));
    String name = body.has("name") ? name(body.get("name")) : id;
    long now = clock.millis();
    try {
      db.write(tx -> tx.update("INSERT INTO teams (id, name, created_at) VALUES (?, ?, ?)",
          id, name, now));
    } catch (Db.UniqueViolation e) {
      throw Problem.conflict("a team " + id + " already exists");
    }
    return team(p, id);
  }

  /** Admins see every team; others the teams they belong to. */
  public List<Team> listTeams(Principal p) {
    return db.read(tx -> {
      List<Team> out = new ArrayList<>();
      for (String id : tx.query("SELECT id FROM teams ORDER BY id", rs -> rs.getString(1))) {
        Team t = findTeam(tx, id).orElseThrow();
        if (p.admin() || p.inTeam(id) || t.members().contains(p.userId())) {
          out.add(t);
        }
      }
      return out;
    });
  }

  public Team team(Principal p, String id) {
    return db.read(tx -> findTeam(tx, id))
        .filter(t -> p.admin() || p.inTeam(id) || t.members().contains(p.userId()))
        .orElseThrow(() -> Problem.notFound("team", id));
  }

  public Team renameTeam(Principal p, String id, JsonNode body) {
    requireAdmin(p);
    checkFields(body, Set.of("name"));
    String name = name(body.get("name"));
    int n = db.write(tx -> tx.update("UPDATE teams SET name = ? WHERE id = ?", name, id));
    if (n == 0) {
      throw Problem.notFound("team", id);
    }
    return team(p, id);
  }

  public Team addMember(Principal p, String teamId, String userId) {
    requireAdmin(p);
    db.write(tx -> {
      if (findTeam(tx, teamId).isEmpty()) {
        throw Problem.notFound("team", teamId);
      }
      if (findUser(tx, userId).isEmpty()) {
        throw Problem.notFound("user", userId);
      }
      tx.update("INSERT INTO team_members (team_id, user_id) VALUES (?, ?)"
          + " ON CONFLICT (team_id, user_id) DO NOTHING", teamId, userId);
      return null;
    });
    changedHere(); // a token that names the team counts it again (it never adds one)
    return team(p, teamId);
  }

  public Team removeMember(Principal p, String teamId, String userId) {
    requireAdmin(p);
    db.write(tx -> {
      if (findTeam(tx, teamId).isEmpty()) {
        throw Problem.notFound("team", teamId);
      }
      tx.update("DELETE FROM team_members WHERE team_id = ? AND user_id = ?", teamId, userId);
      return null;
    });
    changedHere(); // the user's tokens stop counting the team, live connections too
    return team(p, teamId);
  }

  private Optional<Team> findTeam(Tx tx, String id) throws SQLException {
    List<String> members = tx.query("SELECT user_id FROM team_members WHERE team_id = ?"
        + " ORDER BY user_id", rs -> rs.getString(1), id);
    return tx.one("SELECT id, name, created_at FROM teams WHERE id = ?",
        rs -> new Team(rs.getString(1), rs.getString(2), members,
            Instant.ofEpochMilli(rs.getLong(3))), id);
  }

  // ---- projects ----

  public Project createProject(Principal p, JsonNode body) {
    checkFields(body, Set.of("id", "name", "teamId"));
    String id = body.has("id") ? accountId("id", body.get("id")) : generatedId();
    String name = name(body.get("name"));
    String teamId = TaskFields.id("teamId", body.get("teamId"), true);
    if (teamId != null && !p.admin() && !p.inTeam(teamId)) {
      throw Problem.invalid("teamId", "you are not a member of team " + teamId);
    }
    long now = clock.millis();
    try {
      db.write(tx -> tx.update("INSERT INTO projects (id, name, team_id, owner_id, created_at,"
          + " updated_at) VALUES (?, ?, ?, ?, ?, ?)", id, name, teamId, p.userId(), now, now));
    } catch (Db.UniqueViolation e) {
      throw Problem.conflict("a project " + id + " already exists");
    }
    return project(p, id);
  }

  /** A project is seen by its owner, its team, admins, and everyone when it has no team. */
  public List<Project> listProjects(Principal p) {
    return db.read(tx -> tx.query("SELECT id, name, team_id, owner_id, created_at, updated_at"
        + " FROM projects ORDER BY name, id", AccountService::projectRow))
        .stream().filter(pr -> canSee(p, pr)).toList();
  }

  public Project project(Principal p, String id) {
    return db.read(tx -> findProject(tx, id)).filter(pr -> canSee(p, pr))
        .orElseThrow(() -> Problem.notFound("project", id));
  }

  public Project patchProject(Principal p, String id, JsonNode body) {
    checkFields(body, Set.of("name", "teamId"));
    Project current = project(p, id);
    if (!p.admin() && !p.userId().equals(current.ownerId())) {
      throw Problem.forbidden("only the project's owner or an admin may change it");
    }
    String name = body.has("name") ? name(body.get("name")) : current.name();
    String teamId = body.has("teamId") ? TaskFields.id("teamId", body.get("teamId"), true)
        : current.teamId();
    if (teamId != null && !p.admin() && !p.inTeam(teamId)) {
      throw Problem.invalid("teamId", "you are not a member of team " + teamId);
    }
    long now = clock.millis();
    db.write(tx -> tx.update("UPDATE projects SET name = ?, team_id = ?, updated_at = ?"
        + " WHERE id = ?", name, teamId, now, id));
    return project(p, id);
  }

  /** Counts of the tasks the caller can see in a project, by status. */
  public Map<String, Object> summary(Principal p, String id) {
    Project project = project(p, id);
    return db.read(tx -> {
      Map<String, Long> counts = new LinkedHashMap<>();
      for (io.taskpulse.server.tasks.Status s : io.taskpulse.server.tasks.Status.values()) {
        counts.put(s.wire(), 0L);
      }
      long total = 0;
      for (Object[] row : tasks.countByStatus(tx, p, id)) {
        counts.put((String) row[0], (Long) row[1]);
        total += (Long) row[1];
      }
      long offset = tx.queryLong("SELECT last_offset FROM log_head WHERE id = 1");
      Map<String, Object> out = new LinkedHashMap<>();
      out.put("project", project);
      out.put("counts", counts);
      out.put("total", total);
      out.put("completion", total == 0 ? 0.0 : counts.get("completed") / (double) total);
      out.put("offset", offset);
      return out;
    });
  }

  private static boolean canSee(Principal p, Project pr) {
    return p.admin() || pr.teamId() == null || p.inTeam(pr.teamId())
        || p.userId().equals(pr.ownerId());
  }

  private static Optional<Project> findProject(Tx tx, String id) throws SQLException {
    return tx.one("SELECT id, name, team_id, owner_id, created_at, updated_at FROM projects"
        + " WHERE id = ?", AccountService::projectRow, id);
  }

  private static Project projectRow(ResultSet rs) throws SQLException {
    return new Project(rs.getString(1), rs.getString(2), rs.getString(3), rs.getString(4),
        Instant.ofEpochMilli(rs.getLong(5)), Instant.ofEpochMilli(rs.getLong(6)));
  }

  // ---- field rules ----

  private static void requireAdmin(Principal p) {
    if (!p.admin()) {
      throw Problem.forbidden("only an admin may do this");
    }
  }

  private static void checkFields(JsonNode body, Set<String> allowed) {
    for (Iterator<String> it = body.fieldNames(); it.hasNext(); ) {
      String name = it.next();
      if (!allowed.contains(name)) {
        throw Problem.invalid(name, "is not a known field here (known: "
            + String.join(", ", allowed.stream().sorted().toList()) + ")");
      }
    }
  }

  private static String accountId(String field, JsonNode v) {
    String id = TaskFields.text(field, v, 64, false);
    if (!ACCOUNT_ID.matcher(id).matches()) {
      throw Problem.invalid(field, "must be 1 to 64 letters, digits or . _ @ -, starting with a"
          + " letter or digit");
    }
    return id;
  }

  private static String name(JsonNode v) {
    String name = TaskFields.text("name", v, 200, false);
    if (name.isBlank()) {
      throw Problem.invalid("name", "must not be blank");
    }
    return name.strip();
  }

  private static String password(String field, JsonNode v) {
    String pw = TaskFields.text(field, v, MAX_PASSWORD, false);
    if (pw.length() < MIN_PASSWORD) {
      throw Problem.invalid(field, "must be at least " + MIN_PASSWORD + " characters");
    }
    return pw;
  }

  private static boolean roles(JsonNode v) {
    if (v == null || v.isNull()) {
      return false;
    }
    if (!v.isArray()) {
      throw Problem.invalid("roles", "must be an array, [] or [\"admin\"]");
    }
    List<String> roles = new ArrayList<>();
    v.forEach(r -> roles.add(r.asText()));
    if (!Set.of("admin").containsAll(roles)) {
      throw Problem.invalid("roles", "the only role is admin");
    }
    return roles.contains("admin");
  }

  private static boolean bool(String field, JsonNode v) {
    if (v == null || !v.isBoolean()) {
      throw Problem.invalid(field, "must be true or false");
    }
    return v.asBoolean();
  }

  private static String generatedId() {
    char[] alphabet = "abcdefghijkmnpqrstuvwxyz23456789".toCharArray();
    char[] out = new char[10];
    for (int i = 0; i < out.length; i++) {
      out[i] = alphabet[RANDOM.nextInt(alphabet.length)];
    }
    return "p-" + new String(out);
  }
}
