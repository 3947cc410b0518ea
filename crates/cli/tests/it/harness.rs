//! Running the built `nimo` binary: a fresh database per backend, the command with its
//! arguments, and what it printed.

use nimo_store::Backend;
use nimo_store::testing::{TestDbGuard, backends, create_database};
use std::io::BufRead;
use std::path::PathBuf;
use std::process::{Child, Command, ExitStatus, Output, Stdio};
use std::sync::mpsc;
use std::time::Duration;

/// The 目黒区 sheet every test imports and exports.
pub const MUNICIPALITY: &str = "131105";
pub const FISCAL_YEAR: &str = "2022";

/// The built binary, run in `dir`, without any `NIMO_*` setting of the environment the tests
/// run in (a developer's `NIMO_DATABASE_URL` must not decide where a test writes).
pub fn nimo(dir: &std::path::Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_nimo"));
    for (key, _) in std::env::vars_os() {
        if key.to_string_lossy().starts_with("NIMO_") {
            command.env_remove(key);
        }
    }
    command.current_dir(dir);
    command
}

/// The name of each test database's key file, in its directory.
pub const KEY_FILE: &str = "nimo.keys";

/// What a finished `nimo` printed and how it exited.
pub struct Run {
    pub status: ExitStatus,
    pub stdout: Vec<u8>,
    pub stderr: String,
}

impl Run {
    /// Runs a command to its end.
    pub fn of(command: &mut Command) -> Self {
        let Output { status, stdout, stderr } = command.output().expect("nimo runs");
        Self { status, stdout, stderr: String::from_utf8(stderr).expect("stderr is UTF-8") }
    }

    /// Asserts exit code 0.
    #[track_caller]
    pub fn succeeds(self) -> Self {
        assert!(self.status.success(), "nimo failed ({}):\n{}", self.status, self.stderr);
        self
    }

    /// Asserts a run-time failure: exit code 1 and nothing on stdout.
    #[track_caller]
    pub fn fails(self) -> Self {
        assert_eq!(self.status.code(), Some(1), "nimo should fail:\n{}", self.stderr);
        assert!(self.stdout.is_empty(), "stdout of a failure: {}", self.stdout_text());
        assert!(self.stderr.contains("エラー: "), "{}", self.stderr);
        self
    }

    pub fn stdout_text(&self) -> String {
        String::from_utf8_lossy(&self.stdout).into_owned()
    }
}

/// A fresh, empty (not yet migrated) database on one backend, with a temporary directory for
/// the files a test reads and writes. Both are removed when dropped.
pub struct TestDatabase {
    pub backend: Backend,
    pub url: String,
    pub dir: tempfile::TempDir,
    _guard: TestDbGuard,
}

impl TestDatabase {
    pub fn new(backend: Backend) -> Self {
        let (url, guard) = block_on(create_database(backend)).expect("test database");
        let dir = tempfile::tempdir().expect("temporary directory");
        // The key file `serve` needs, as an operator makes it with `nimo keys generate`.
        nimo_vault::Keyring::generate().write_new_file(&dir.path().join(KEY_FILE)).expect("key file");
        Self { backend, url, dir, _guard: guard }
    }

    /// The binary with `--database-url` added after the arguments, and the test's key file in
    /// `NIMO_KEY_FILE`.
    pub fn command(&self, args: &[&str]) -> Command {
        let mut command = nimo(self.dir.path());
        command.args(args).args(["--database-url", &self.url]).env("NIMO_KEY_FILE", self.path(KEY_FILE));
        command
    }

    /// Runs `nimo ARGS --database-url URL`.
    pub fn nimo(&self, args: &[&str]) -> Run {
        Run::of(&mut self.command(args))
    }

    /// A path in the test's directory.
    pub fn path(&self, name: &str) -> PathBuf {
        self.dir.path().join(name)
    }

    /// Writes a file into the test's directory and returns its path as text.
    pub fn write(&self, name: &str, bytes: &[u8]) -> String {
        let path = self.path(name);
        std::fs::write(&path, bytes).expect("write test file");
        path.to_str().expect("UTF-8 temporary path").to_string()
    }

    /// `nimo sheet import` of the demo sheet as JSON.
    pub fn import_demo(&self) {
        let file = self.write("demo.json", &demo_json());
        self.nimo(&["sheet", "import", &file]).succeeds();
    }

    /// `nimo sheet export` of the 目黒区 sheet to stdout in a format.
    pub fn export(&self, format: &str) -> Vec<u8> {
        let run = self.nimo(&export_args(format)).succeeds();
        run.stdout
    }

    /// Makes every audit append fail (`refused`), or work again, through a test trigger.
    pub fn refuse_audit_appends(&self, refused: bool) {
        block_on(async {
            let store = nimo_store::Db::connect(&self.url).await.expect("database");
            if refused {
                nimo_store::testing::refuse_audit_appends(&store).await.expect("audit appends refused");
            } else {
                nimo_store::testing::allow_audit_appends(&store).await.expect("audit appends allowed");
            }
            store.pool.close().await;
        });
    }

    /// Runs SQL straight on the database as its owner, with the append-only triggers of `table`
    /// (`audit_log` or `audit_checkpoint`) out of the way, as an attacker holding the owner's
    /// password could.
    pub fn behind_the_triggers_back(&self, table: &str, sql: &str) {
        let (off, on) = match self.backend {
            Backend::Sqlite => (
                vec![
                    format!("DROP TRIGGER IF EXISTS {table}_no_update"),
                    format!("DROP TRIGGER IF EXISTS {table}_no_delete"),
                ],
                vec![],
            ),
            Backend::Postgres => (
                vec![format!("ALTER TABLE {table} DISABLE TRIGGER {table}_no_update_or_delete")],
                vec![format!("ALTER TABLE {table} ENABLE TRIGGER {table}_no_update_or_delete")],
            ),
        };
        block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&self.url).await?;
            for statement in off.iter().map(String::as_str).chain([sql]).chain(on.iter().map(String::as_str)) {
                sqlx::query(statement).execute(&pool).await?;
            }
            pool.close().await;
            Ok::<_, sqlx::Error>(())
        })
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Runs one statement straight on the database as its owner, bypassing nimo.
    pub fn execute(&self, sql: &str) {
        block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&self.url).await?;
            sqlx::query(sql).execute(&pool).await?;
            pool.close().await;
            Ok::<_, sqlx::Error>(())
        })
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }

    /// Counts rows with a query straight on the database, bypassing nimo.
    pub fn count(&self, sql: &str) -> i64 {
        block_on(async {
            sqlx::any::install_default_drivers();
            let pool = sqlx::AnyPool::connect(&self.url).await?;
            let count: i64 = sqlx::query_scalar(sql).fetch_one(&pool).await?;
            pool.close().await;
            Ok::<_, sqlx::Error>(count)
        })
        .unwrap_or_else(|e| panic!("{sql}: {e}"))
    }
}

/// `sheet export` arguments for the 目黒区 sheet.
pub fn export_args(format: &str) -> [&str; 8] {
    ["sheet", "export", "--municipality", MUNICIPALITY, "--fy", FISCAL_YEAR, "--format", format]
}

/// The demo sheet as the JSON file a user would import.
pub fn demo_json() -> Vec<u8> {
    nimo_exchange::to_json(&nimo_domain::demo::meguro_r4())
}

/// Runs a test body on a fresh database of every backend.
pub fn for_each_backend(test: impl Fn(&TestDatabase)) {
    for backend in backends() {
        test(&TestDatabase::new(backend));
    }
}

/// Runs a future to its end on a small runtime of its own (the tests themselves are plain
/// threads, as the binary they drive is a separate process).
pub fn block_on<F: std::future::Future>(future: F) -> F::Output {
    tokio::runtime::Builder::new_current_thread().enable_all().build().expect("runtime").block_on(future)
}

/// A running `nimo serve` on a free port, killed when dropped.
pub struct Server {
    pub child: Child,
    pub base: String,
    pub stderr: mpsc::Receiver<String>,
}

impl Server {
    /// Starts the command and waits for the line that announces its address.
    pub fn start(command: &mut Command) -> Self {
        let mut child = command.stdin(Stdio::null()).stdout(Stdio::null()).stderr(Stdio::piped()).spawn().unwrap();
        let stderr = child.stderr.take().unwrap();
        let (lines, received) = mpsc::channel();
        // Keep draining stderr while the server runs, so that it never blocks on a full pipe.
        std::thread::spawn(move || {
            for line in std::io::BufReader::new(stderr).lines().map_while(Result::ok) {
                let _ = lines.send(line);
            }
        });
        let mut server = Self { child, base: String::new(), stderr: received };
        let mut seen = Vec::new();
        while server.base.is_empty() {
            let line = server
                .stderr
                .recv_timeout(Duration::from_secs(60))
                .unwrap_or_else(|e| panic!("no address announced ({e}):\n{}", seen.join("\n")));
            if line.contains("nimo を起動しました") {
                let url = line.split_whitespace().find(|word| word.starts_with("http://")).expect("a URL");
                server.base = url.trim_end_matches('/').to_string();
            }
            seen.push(line);
        }
        server
    }

    pub fn port(&self) -> &str {
        self.base.rsplit(':').next().unwrap()
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}
