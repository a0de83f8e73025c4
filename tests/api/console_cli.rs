//! `fission user ...`: the binary itself, on the test's database.

use std::io::Write;
use std::process::{Command, Output, Stdio};

use crate::both_backends;
use crate::console_browser::Browser;
use crate::helpers::TestApp;

fn fission(app: &TestApp, args: &[&str], stdin: &str) -> Output {
    let mut child = Command::new(env!("CARGO_BIN_EXE_fission"))
        .args(args)
        .env("FISSION_DATABASE_URL", &app.database_url)
        .env("RUST_LOG", "error")
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .expect("the fission binary runs");
    child
        .stdin
        .take()
        .unwrap()
        .write_all(stdin.as_bytes())
        .unwrap();
    child.wait_with_output().unwrap()
}

fn stdout(output: &Output) -> String {
    String::from_utf8_lossy(&output.stdout).into_owned()
}

both_backends! {
    async fn user_commands_create_list_change_and_disable_accounts(app: TestApp) {
        let typed = fission(&app, &["user", "create", "--email", "Ops@Brand.test", "--role", "marketer"], "typed-password-1\n");
        assert!(typed.status.success(), "{typed:?}");
        assert_eq!(stdout(&typed), "", "a typed password is not echoed");
        let generated = fission(&app, &["user", "create", "--email", "fin@brand.test", "--role", "finance"], "");
        assert!(generated.status.success(), "{generated:?}");
        let password = stdout(&generated).trim().to_owned();
        assert_eq!(password.len(), 16, "a generated password, printed once");
        let browser = Browser::new(&app);
        assert_eq!(browser.sign_in("fin@brand.test", &password).await.status(), 303);
        assert_eq!(browser.sign_in("ops@brand.test", "typed-password-1").await.status(), 303);

        let duplicate = fission(&app, &["user", "create", "--email", "OPS@brand.test", "--role", "viewer"], "another-password");
        assert!(!duplicate.status.success(), "the e-mail is taken whatever its case");
        let short = fission(&app, &["user", "create", "--email", "v@brand.test", "--role", "viewer"], "short");
        assert!(!short.status.success(), "a short password is refused");
        let role = fission(&app, &["user", "create", "--email", "v@brand.test", "--role", "boss"], "");
        assert!(!role.status.success());

        let list = stdout(&fission(&app, &["user", "list"], ""));
        assert!(list.contains("ops@brand.test\tmarketer"), "{list}");
        assert!(list.contains("fin@brand.test\tfinance"), "{list}");
        assert!(!list.contains(&password) && !list.contains("argon2"), "no secrets listed");

        let passwd = fission(&app, &["user", "passwd", "--email", "ops@brand.test"], "typed-password-2");
        assert!(passwd.status.success(), "{passwd:?}");
        assert_eq!(browser.get("/admin/campaigns").await.status(), 303, "signed out by the change");
        assert_eq!(browser.sign_in("ops@brand.test", "typed-password-1").await.status(), 422);
        assert_eq!(browser.sign_in("ops@brand.test", "typed-password-2").await.status(), 303);

        let disable = fission(&app, &["user", "disable", "--email", "ops@brand.test"], "");
        assert!(disable.status.success(), "{disable:?}");
        assert_eq!(browser.get("/admin/campaigns").await.status(), 303, "its session ended");
        assert_eq!(browser.sign_in("ops@brand.test", "typed-password-2").await.status(), 403);
        assert!(stdout(&fission(&app, &["user", "list"], "")).contains("ops@brand.test\tmarketer\t"));
        assert!(stdout(&fission(&app, &["user", "list"], "")).contains("disabled"));
        let unknown = fission(&app, &["user", "disable", "--email", "nobody@brand.test"], "");
        assert!(!unknown.status.success());

        // Every change is in the audit log, by the command line, without secrets.
        let log: serde_json::Value = app.get_as("/api/v1/audit", &app.admin).await.json().await.unwrap();
        let entries = log["entries"].as_array().unwrap();
        let actions: Vec<&str> = entries.iter().filter_map(|e| e["action"].as_str()).collect();
        for action in ["user.created", "user.password_changed", "user.disabled"] {
            assert!(actions.contains(&action), "{action} in {actions:?}");
        }
        assert!(entries.iter().filter(|e| e["action"].as_str().is_some_and(|a| a.starts_with("user."))).all(|e| e["actor"]["kind"] == "system"));
        let text = log.to_string();
        assert!(!text.contains("argon2") && !text.contains("typed-password"), "no secrets in the log");
    }
}
