//! The command line of sync groups as code: `server export [FILE]`, `server plan FILE`,
//! `server apply FILE [--yes]` (see [`HELP`]). The tenant and the credential come from the
//! environment, as SailPoint's own CLI and SDKs take them.

use std::ffi::OsString;
use std::fmt::Write as _;
use std::io::{IsTerminal, Read, Write as _};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use app::caller::{Credential, CredentialError};
use app::error::AppError;
use app::model::plan::{ApplyReport, Plan, PlanAction, StepStatus};

use super::Snapshot;
use super::apply::{IscTarget, apply};
use super::document::{self, MAX_BYTES};
use super::plan::plan;
use crate::config::{Config, Secret, Tenant};
use crate::isc::{ClientCredentialsToken, IscClient, IscError};

/// What `server help` prints.
pub const HELP: &str = "\
Sync groups as code: a tenant's password sync groups as a JSON document that can be kept in git.

Usage:
  server                     start the console (see the README)
  server export [FILE]       write every sync group of the tenant as a document to FILE
                             (standard output without FILE)
  server plan FILE           say what applying FILE would change, group by group
                             exit status: 0 no changes, 2 changes, 1 an error or a problem
                             in the document
  server apply FILE [--yes]  show the plan, ask (unless --yes), then apply it: deletes first,
                             a group that gives up a source before the group that takes it;
                             each group is read again just before it is written and left
                             alone if it changed since the plan; the first refusal stops the
                             rest; each step is reported as done, failed or not attempted
                             exit status: 0 all done (or nothing to do), 1 anything else
  server help                this text

FILE may be - for standard input (plan, apply).

The tenant and the credential come from the environment:
  ISC_API_URL        the tenant's API URL, e.g. https://acme.api.identitynow.com (required)
  ISC_CLIENT_ID, ISC_CLIENT_SECRET
                     client credentials: a personal access token reads and writes as its
                     user (who needs the user level ORG_ADMIN); an API client without a user
                     can export and plan, not apply (ISC lets only users change sync groups)
  ISC_ACCESS_TOKEN   a bearer token instead (a personal access token's or a user's access
                     token); used when set
  ISC_API_VERSION    beta (default), v3, v2025, ...
  ISC_TOKEN_URL      the token endpoint (default: ISC_API_URL/oauth/token)
  ISC_TENANT_NAME    the tenant's name written into exports (default: the API host's first label)

The document (format sync-groups-console/v1, JSON, at most 1 MB and 500 groups) names
policies and sources by name, with their ids alongside. A group matches the tenant's group with
its id when that id exists there (so a rename is a change), else the one with its name;
sources and policies match by name (trimmed, ignoring case), so a document from another tenant
works. Groups the document does not mention are deleted only when it says \"prune\": true.

Changes made with this command are not in the console's audit record: the console's history
shows them as changes made outside the console.
";

/// What the command line asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Command {
    Export { file: Option<PathBuf> },
    Plan { file: PathBuf },
    Apply { file: PathBuf, yes: bool },
    Help,
}

/// The command in `args` (without the program name): None when they are not one of this
/// module's (the console starts as before), else the command or what is wrong with the usage.
pub fn command(args: &[OsString]) -> Option<Result<Command, String>> {
    let (first, rest) = args.split_first()?;
    let name = first.to_str()?;
    if !matches!(name, "export" | "plan" | "apply" | "help" | "--help" | "-h") {
        return None;
    }
    let mut files: Vec<PathBuf> = Vec::new();
    let mut yes = false;
    for arg in rest {
        match arg.to_str() {
            Some("--help" | "-h") => return Some(Ok(Command::Help)),
            Some("--yes" | "-y") if name == "apply" => yes = true,
            Some(option) if option.starts_with('-') && option != "-" => {
                return Some(Err(format!("unknown option {option} for {name}")));
            }
            _ => files.push(PathBuf::from(arg)),
        }
    }
    let one_file = |files: Vec<PathBuf>| -> Result<PathBuf, String> {
        match <[PathBuf; 1]>::try_from(files) {
            Ok([file]) => Ok(file),
            Err(files) if files.is_empty() => Err(format!("{name} needs the document's FILE")),
            Err(_) => Err(format!("{name} takes one FILE")),
        }
    };
    Some(match name {
        "export" if files.len() <= 1 => Ok(Command::Export { file: files.pop() }),
        "export" => Err("export takes at most one FILE".to_string()),
        "plan" => one_file(files).map(|file| Command::Plan { file }),
        "apply" => one_file(files).map(|file| Command::Apply { file, yes }),
        _ => Ok(Command::Help),
    })
}

/// Runs the command of this process's arguments, if they are one: `main` calls this first and
/// starts the console when it returns None.
pub async fn run_from_args() -> Option<ExitCode> {
    let args: Vec<OsString> = std::env::args_os().skip(1).collect();
    let command = command(&args)?;
    // Logs go to standard error, and only when RUST_LOG asks: standard output carries the
    // document or the plan.
    let filter = tracing_subscriber::EnvFilter::try_from_default_env()
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("off"));
    let _ = tracing_subscriber::fmt()
        .with_writer(std::io::stderr)
        .with_env_filter(filter)
        .try_init();
    Some(match command {
        Ok(command) => run(command, &|name| std::env::var(name).ok()).await,
        Err(usage) => {
            eprintln!("{usage}. Run `server help` for how to use it.");
            ExitCode::from(1)
        }
    })
}

/// Runs `command` with the environment `env`.
pub async fn run(command: Command, env: &dyn Fn(&str) -> Option<String>) -> ExitCode {
    let result = match command {
        Command::Help => {
            print!("{HELP}");
            Ok(ExitCode::SUCCESS)
        }
        Command::Export { file } => export(file.as_deref(), env).await,
        Command::Plan { file } => plan_command(&file, env).await,
        Command::Apply { file, yes } => apply_command(&file, yes, env).await,
    };
    match result {
        Ok(code) => code,
        Err(message) => {
            eprintln!("{message}");
            ExitCode::from(1)
        }
    }
}

async fn export(
    file: Option<&Path>,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ExitCode, String> {
    let tenant = connect(env)?;
    let snapshot = tenant.read().await?;
    let text = document::export(&snapshot.state(), &tenant.name);
    match file {
        None => {
            let mut out = std::io::stdout().lock();
            out.write_all(text.as_bytes())
                .and_then(|()| out.flush())
                .map_err(|e| format!("cannot write the document: {e}"))?;
        }
        Some(path) => {
            std::fs::write(path, &text)
                .map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            eprintln!(
                "Wrote {} of tenant {} to {}.",
                app::model::english::plural(snapshot.groups.len(), "sync group", "sync groups"),
                tenant.name,
                path.display()
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

async fn plan_command(
    file: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ExitCode, String> {
    let Some(document) = read_document(file)? else {
        return Ok(ExitCode::from(1));
    };
    let tenant = connect(env)?;
    let snapshot = tenant.read().await?;
    let (plan, _) = plan(&document, &snapshot.state());
    print!("{}", plan_text(&plan, &tenant.name));
    Ok(ExitCode::from(if !plan.is_applicable() {
        1
    } else if plan.change_count() > 0 {
        2
    } else {
        0
    }))
}

async fn apply_command(
    file: &Path,
    yes: bool,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<ExitCode, String> {
    let Some(document) = read_document(file)? else {
        println!("Nothing was applied.");
        return Ok(ExitCode::from(1));
    };
    let tenant = connect(env)?;
    let snapshot = tenant.read().await?;
    let (plan, steps) = plan(&document, &snapshot.state());
    print!("{}", plan_text(&plan, &tenant.name));
    if !plan.is_applicable() {
        println!("Nothing was applied.");
        return Ok(ExitCode::from(1));
    }
    if steps.is_empty() {
        return Ok(ExitCode::SUCCESS);
    }
    if !yes && !confirmed(plan.change_count(), &tenant.name)? {
        println!("Nothing was applied.");
        return Ok(ExitCode::from(1));
    }
    let target = IscTarget::new(&tenant.isc, tenant.auth.as_ref(), &snapshot);
    let report = apply(&steps, &target).await;
    print!("{}", report_text(&report));
    Ok(if report.all_done() {
        ExitCode::SUCCESS
    } else {
        ExitCode::from(1)
    })
}

/// Asks on the terminal; without one, only `--yes` applies.
fn confirmed(changes: usize, tenant: &str) -> Result<bool, String> {
    if !std::io::stdin().is_terminal() {
        eprintln!(
            "Not applied: the input is not a terminal to ask on. Run with --yes to apply without being asked."
        );
        return Ok(false);
    }
    eprint!(
        "Apply {} to tenant {tenant}? Type yes to go on: ",
        app::model::english::plural(changes, "change", "changes")
    );
    let mut answer = String::new();
    std::io::stdin()
        .read_line(&mut answer)
        .map_err(|e| format!("cannot read the answer: {e}"))?;
    Ok(answer.trim().eq_ignore_ascii_case("yes"))
}

/// The document in `file` (`-`: standard input), or None after printing its problems. At most
/// [`MAX_BYTES`] and one more are read, so a huge file is refused without being loaded.
fn read_document(file: &Path) -> Result<Option<document::Document>, String> {
    let limit = u64::try_from(MAX_BYTES).unwrap_or(u64::MAX) + 1;
    let mut bytes = Vec::new();
    let read = if file == Path::new("-") {
        std::io::stdin().lock().take(limit).read_to_end(&mut bytes)
    } else {
        std::fs::File::open(file).and_then(|f| f.take(limit).read_to_end(&mut bytes))
    };
    read.map_err(|e| format!("cannot read {}: {e}", file.display()))?;
    match document::parse(&bytes) {
        Ok(document) => Ok(Some(document)),
        Err(problems) => {
            let plan = Plan::rejected(problems);
            print!("{}", plan_text(&plan, ""));
            Ok(None)
        }
    }
}

/// A plan in words: each group with what it does and why, then the summary.
pub fn plan_text(plan: &Plan, tenant: &str) -> String {
    let mut out = String::new();
    if !plan.problems.is_empty() {
        let _ = writeln!(out, "Problems in the document:");
        for problem in &plan.problems {
            let _ = writeln!(out, "  {}", problem.text());
        }
    }
    if !plan.groups.is_empty() && !tenant.is_empty() {
        let _ = writeln!(out, "Plan for tenant {tenant}:");
    }
    for group in &plan.groups {
        let place = group
            .place
            .as_deref()
            .map(|p| format!(" ({p})"))
            .unwrap_or_default();
        let _ = writeln!(
            out,
            "{:<9}  \u{201c}{}\u{201d}{place}",
            group.action.label(),
            group.name
        );
        for line in &group.lines {
            let _ = writeln!(out, "             {line}");
        }
        for warning in &group.warnings {
            let _ = writeln!(out, "             Note: {warning}");
        }
        for problem in &group.problems {
            let _ = writeln!(out, "             Problem: {problem}");
        }
    }
    let _ = writeln!(out, "{}", plan.summary());
    out
}

/// What an apply did, step by step, then the summary.
pub fn report_text(report: &ApplyReport) -> String {
    let mut out = String::new();
    for step in &report.steps {
        let action = match step.action {
            PlanAction::Create => "create",
            PlanAction::Update => "change",
            PlanAction::Delete => "delete",
            PlanAction::Unchanged => "leave",
        };
        let _ = write!(
            out,
            "{:<13}  {action} \u{201c}{}\u{201d}",
            step.status.label(),
            step.name
        );
        if let StepStatus::Failed { error, tracking_id } = &step.status {
            let _ = write!(out, ": {error}");
            if let Some(id) = tracking_id {
                let _ = write!(out, " (ISC tracking id {id})");
            }
        }
        out.push('\n');
    }
    let _ = writeln!(out, "{}", report.summary());
    out
}

/// The tenant and the credential, from the environment.
struct Connection {
    isc: IscClient,
    auth: Box<dyn Credential>,
    name: String,
    /// The credential is ISC_ACCESS_TOKEN (not client credentials), for messages.
    bearer: bool,
}

/// The variables the command line reads with the console's configuration rules.
const ISC_VARIABLES: [&str; 8] = [
    "ISC_API_URL",
    "ISC_API_VERSION",
    "ISC_TOKEN_URL",
    "ISC_TENANT_NAME",
    "ISC_CONNECT_TIMEOUT_SECS",
    "ISC_TIMEOUT_SECS",
    "ISC_CLIENT_ID",
    "ISC_CLIENT_SECRET",
];

fn connect(env: &dyn Fn(&str) -> Option<String>) -> Result<Connection, String> {
    let get = |name: &str| {
        env(name)
            .map(|v| v.trim().to_string())
            .filter(|v| !v.is_empty())
    };
    if get("ISC_API_URL").is_none() {
        return Err(
            "ISC_API_URL is not set: set it to the tenant's API URL, e.g. https://acme.api.identitynow.com (run `server help` for every setting)."
                .to_string(),
        );
    }
    let bearer = get("ISC_ACCESS_TOKEN");
    let client = get("ISC_CLIENT_ID").is_some() || get("ISC_CLIENT_SECRET").is_some();
    if bearer.is_none() && !client {
        return Err("No credential: set ISC_CLIENT_ID and ISC_CLIENT_SECRET (a personal access token, or an API client to export and plan), or ISC_ACCESS_TOKEN.".to_string());
    }
    // The console's own rules for these variables (https, version, timeouts, both or neither of
    // id and secret), and nothing else of its settings.
    let config = Config::from_lookup(|name| {
        if !ISC_VARIABLES.contains(&name) {
            return None;
        }
        match name {
            // The console requires its OAuth client with a real tenant; with ISC_ACCESS_TOKEN
            // alone there is none, and these stand-ins are never sent.
            "ISC_CLIENT_ID" | "ISC_CLIENT_SECRET" if !client => Some("unused".to_string()),
            _ => env(name),
        }
    })
    .map_err(|e| format!("Configuration error: {e}"))?;
    let Tenant::Remote { api_url, name } = &config.tenant else {
        return Err("ISC_API_URL is not set.".to_string());
    };
    let isc = IscClient::new(
        api_url,
        &config.api_version,
        config.connect_timeout,
        config.request_timeout,
    )
    .map_err(|e| format!("cannot set up the HTTP client: {e}"))?;
    let auth: Box<dyn Credential> = match &bearer {
        Some(token) => Box::new(BearerToken(Secret::new(token.clone()))),
        None => {
            let token_url = match &config.auth.token_url {
                Some(url) => url.clone(),
                None => isc
                    .token_url()
                    .map_err(|_| "ISC_API_URL cannot be used as a base URL.".to_string())?,
            };
            Box::new(ClientCredentialsToken::new(
                isc.http().clone(),
                token_url,
                config.auth.client.clone(),
            ))
        }
    };
    Ok(Connection {
        isc,
        auth,
        name: name.clone(),
        bearer: bearer.is_some(),
    })
}

impl Connection {
    /// The tenant as it is now, or what went wrong in words that name the setting to check.
    async fn read(&self) -> Result<Snapshot, String> {
        Snapshot::read(&self.isc, self.auth.as_ref())
            .await
            .map_err(|e| self.read_error(e))
    }

    fn read_error(&self, e: IscError) -> String {
        let credential = if self.bearer {
            "ISC_ACCESS_TOKEN"
        } else {
            "ISC_CLIENT_ID and ISC_CLIENT_SECRET"
        };
        match e {
            IscError::Credential(CredentialError::Refused { status }) if !self.bearer => format!(
                "ISC refused the client credentials in {credential} (HTTP {status}): check them, and that the client has the client-credentials grant."
            ),
            IscError::Credential(CredentialError::NoAnswer(no_answer)) => {
                format!("Cannot get an access token: {no_answer}")
            }
            IscError::Credential(_) | IscError::Unauthorized => format!(
                "ISC refused the access token from {credential}: it may have expired or been revoked."
            ),
            IscError::Status {
                status: 403,
                message,
                tracking_id,
                ..
            } => with_tracking(
                format!(
                    "ISC refused to read the tenant: {message} The credential ({credential}) needs the user level ORG_ADMIN (a personal access token), or for an API client the scopes idn:password-sync-group:read, idn:password-policy:read and idn:sources:read."
                ),
                tracking_id.as_deref(),
            ),
            other => {
                let error = AppError::from(other);
                with_tracking(error.to_string(), error.tracking_id())
            }
        }
    }
}

fn with_tracking(message: String, tracking_id: Option<&str>) -> String {
    match tracking_id {
        Some(id) => format!("{message} (ISC tracking id {id})"),
        None => message,
    }
}

/// A bearer token given as it is (ISC_ACCESS_TOKEN): it cannot be renewed.
struct BearerToken(Secret);

#[async_trait::async_trait]
impl Credential for BearerToken {
    async fn access_token(&self) -> Result<String, CredentialError> {
        Ok(self.0.expose().to_string())
    }

    async fn renew(&self, _rejected: &str) -> Result<String, CredentialError> {
        Err(CredentialError::Refused { status: 401 })
    }

    /// The token's client is not known without reading the token: one budget for it.
    fn client_id(&self) -> &str {
        "ISC_ACCESS_TOKEN"
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parsed(args: &[&str]) -> Option<Result<Command, String>> {
        let args: Vec<OsString> = args.iter().map(OsString::from).collect();
        command(&args)
    }

    #[test]
    fn only_the_commands_of_this_module_are_taken() {
        assert_eq!(parsed(&[]), None);
        assert_eq!(parsed(&["serve"]), None);
        assert_eq!(parsed(&["--port", "3000"]), None);
        assert_eq!(
            parsed(&["export"]),
            Some(Ok(Command::Export { file: None }))
        );
        assert_eq!(
            parsed(&["export", "groups.json"]),
            Some(Ok(Command::Export {
                file: Some("groups.json".into())
            }))
        );
        assert_eq!(
            parsed(&["plan", "-"]),
            Some(Ok(Command::Plan { file: "-".into() }))
        );
        assert_eq!(
            parsed(&["apply", "--yes", "g.json"]),
            Some(Ok(Command::Apply {
                file: "g.json".into(),
                yes: true
            }))
        );
        assert_eq!(
            parsed(&["apply", "g.json"]),
            Some(Ok(Command::Apply {
                file: "g.json".into(),
                yes: false
            }))
        );
        for help in [&["help"][..], &["--help"], &["-h"], &["plan", "--help"]] {
            assert_eq!(parsed(help), Some(Ok(Command::Help)), "{help:?}");
        }
    }

    #[test]
    fn usage_mistakes_are_named() {
        assert_eq!(
            parsed(&["plan"]),
            Some(Err("plan needs the document's FILE".into()))
        );
        assert_eq!(
            parsed(&["apply", "a", "b"]),
            Some(Err("apply takes one FILE".into()))
        );
        assert_eq!(
            parsed(&["plan", "--yes", "a"]),
            Some(Err("unknown option --yes for plan".into()))
        );
        assert_eq!(
            parsed(&["export", "a", "b"]),
            Some(Err("export takes at most one FILE".into()))
        );
    }

    #[test]
    fn the_settings_are_checked_with_the_console_s_rules() {
        let env = |vars: &'static [(&'static str, &'static str)]| {
            move |name: &str| {
                vars.iter()
                    .find(|(k, _)| *k == name)
                    .map(|(_, v)| v.to_string())
            }
        };
        let problem = |vars: &'static [(&'static str, &'static str)]| match connect(&env(vars)) {
            Ok(_) => String::new(),
            Err(e) => e,
        };
        assert!(problem(&[]).starts_with("ISC_API_URL is not set"));
        assert!(
            problem(&[("ISC_API_URL", "https://acme.api.identitynow.com")])
                .starts_with("No credential")
        );
        assert!(
            problem(&[
                ("ISC_API_URL", "http://acme.example.com"),
                ("ISC_ACCESS_TOKEN", "t")
            ])
            .contains("ISC_API_URL: must be an https URL")
        );
        assert!(
            problem(&[
                ("ISC_API_URL", "https://acme.api.identitynow.com"),
                ("ISC_CLIENT_ID", "id")
            ])
            .contains("ISC_CLIENT_SECRET: is required when ISC_CLIENT_ID is set")
        );
        // Other settings of the console play no part.
        let ok = connect(&env(&[
            ("ISC_API_URL", "https://acme.api.identitynow.com"),
            ("ISC_ACCESS_TOKEN", "t"),
            ("CONSOLE_DATABASE_URL", "mysql://nope"),
        ]))
        .expect("connects");
        assert_eq!(ok.name, "acme");
        assert!(ok.bearer);
    }

    #[test]
    fn the_help_says_where_cli_changes_show_up() {
        assert!(HELP.contains("not in the console's audit record"));
        assert!(HELP.contains("changes made outside the console"));
        for variable in [
            "ISC_API_URL",
            "ISC_CLIENT_ID",
            "ISC_CLIENT_SECRET",
            "ISC_ACCESS_TOKEN",
        ] {
            assert!(HELP.contains(variable), "{variable}");
        }
    }
}
