//! All configuration comes from the environment, read once here.
use std::time::Duration;

use rand::RngCore;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AppEnv {
    Development,
    Production,
}

#[derive(Debug, Clone)]
pub struct Settings {
    pub database_url: String,
    pub listen_addr: String,
    pub jwt_secret: Vec<u8>,
    pub app_env: AppEnv,
    pub seed_demo: bool,
    /// How long one GraphQL request may run before it is stopped.
    pub request_timeout: Duration,
    /// HTTP worker threads; `None` means one per core.
    pub workers: Option<usize>,
}

#[derive(Debug, thiserror::Error)]
pub enum ConfigError {
    #[error("APP_ENV must be `development` or `production`, not `{0}`")]
    AppEnv(String),
    #[error("JWT_SECRET is required in production")]
    MissingSecret,
    #[error("JWT_SECRET must be at least {MIN_SECRET_BYTES} bytes")]
    ShortSecret,
    #[error("{0} must be `true` or `false`")]
    Bool(&'static str),
    #[error("{0} must be a whole number")]
    Number(&'static str),
}

pub const MIN_SECRET_BYTES: usize = 32;
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/trustfeed.db?mode=rwc";

impl Settings {
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::from_lookup(|key| std::env::var(key).ok())
    }

    /// Reads settings through `lookup` so the rules can be tested without
    /// touching the process environment.
    pub fn from_lookup(lookup: impl Fn(&str) -> Option<String>) -> Result<Self, ConfigError> {
        let app_env = match lookup("APP_ENV").as_deref().unwrap_or("development") {
            "development" | "dev" => AppEnv::Development,
            "production" | "prod" => AppEnv::Production,
            other => return Err(ConfigError::AppEnv(other.to_owned())),
        };
        let jwt_secret = match (lookup("JWT_SECRET"), app_env) {
            (Some(secret), _) if secret.len() >= MIN_SECRET_BYTES => secret.into_bytes(),
            (Some(_), AppEnv::Production) => return Err(ConfigError::ShortSecret),
            (None, AppEnv::Production) => return Err(ConfigError::MissingSecret),
            (Some(_), AppEnv::Development) | (None, AppEnv::Development) => {
                tracing::warn!(
                    "JWT_SECRET is unset or shorter than {MIN_SECRET_BYTES} bytes: using a random \
                     secret for this run, so tokens will not survive a restart"
                );
                random_secret()
            }
        };
        let seed_demo = match lookup("SEED_DEMO") {
            Some(value) => parse_bool("SEED_DEMO", &value)?,
            None => app_env == AppEnv::Development,
        };
        let request_timeout = match lookup("REQUEST_TIMEOUT_MS") {
            Some(value) => Duration::from_millis(value.parse().map_err(|_| ConfigError::Number("REQUEST_TIMEOUT_MS"))?),
            None => Duration::from_secs(10),
        };
        Ok(Self {
            database_url: lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned()),
            listen_addr: lookup("LISTEN_ADDR").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            jwt_secret,
            app_env,
            // The demo accounts have published passwords: never in production.
            seed_demo: seed_demo && app_env == AppEnv::Development,
            request_timeout,
            workers: None,
        })
    }

    pub fn is_production(&self) -> bool {
        self.app_env == AppEnv::Production
    }
}

pub fn random_secret() -> Vec<u8> {
    let mut secret = vec![0u8; 64];
    rand::rng().fill_bytes(&mut secret);
    secret
}

fn parse_bool(name: &'static str, value: &str) -> Result<bool, ConfigError> {
    match value.to_ascii_lowercase().as_str() {
        "1" | "true" | "yes" | "on" => Ok(true),
        "0" | "false" | "no" | "off" => Ok(false),
        _ => Err(ConfigError::Bool(name)),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn settings(vars: &[(&str, &str)]) -> Result<Settings, ConfigError> {
        Settings::from_lookup(|key| vars.iter().find(|(k, _)| *k == key).map(|(_, v)| (*v).to_owned()))
    }

    #[test]
    fn development_defaults_work_without_any_variable() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.app_env, AppEnv::Development);
        assert_eq!(s.listen_addr, "127.0.0.1:8080");
        assert_eq!(s.database_url, DEFAULT_DATABASE_URL);
        assert!(s.seed_demo);
        assert_eq!(s.jwt_secret.len(), 64);
    }

    #[test]
    fn production_requires_a_long_secret_and_never_seeds() {
        assert!(matches!(settings(&[("APP_ENV", "production")]), Err(ConfigError::MissingSecret)));
        assert!(matches!(
            settings(&[("APP_ENV", "production"), ("JWT_SECRET", "short")]),
            Err(ConfigError::ShortSecret)
        ));
        let secret = "x".repeat(32);
        let s = settings(&[("APP_ENV", "production"), ("JWT_SECRET", &secret), ("SEED_DEMO", "true")]).unwrap();
        assert!(s.is_production());
        assert!(!s.seed_demo);
        assert_eq!(s.jwt_secret, secret.as_bytes());
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(matches!(settings(&[("APP_ENV", "staging")]), Err(ConfigError::AppEnv(_))));
        assert!(matches!(settings(&[("SEED_DEMO", "maybe")]), Err(ConfigError::Bool(_))));
        assert!(matches!(settings(&[("REQUEST_TIMEOUT_MS", "soon")]), Err(ConfigError::Number(_))));
    }
}
