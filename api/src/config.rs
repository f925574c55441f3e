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
    /// The header a trusted reverse proxy puts the client's address in
    /// (`TRUSTED_PROXY_HEADER`, e.g. `X-Forwarded-For`); without it the
    /// connection's peer address is the client's.
    pub trusted_proxy_header: Option<String>,
    /// Anonymous requests per client address per minute; 0 turns it off.
    pub anon_rate_limit_per_minute: u32,
    /// How long a response to an anonymous query may be served again
    /// (`ANON_CACHE_SECONDS`, 0 turns the cache off); see `anonymous_cache`.
    pub anon_cache_ttl: Duration,
    /// Anonymous survey responses per client address per hour.
    pub survey_responses_per_address_per_hour: u64,
    pub limits: QueryLimits,
}

/// The cost limits on one operation (see `graphql::cost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_root_fields: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self { max_depth: 12, max_complexity: 2_000, max_root_fields: 100 }
    }
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
        let seed_demo = lookup("SEED_DEMO").map(|value| parse_bool("SEED_DEMO", &value)).transpose()?;
        let number = |name: &'static str, default: u64| -> Result<u64, ConfigError> {
            lookup(name).map_or(Ok(default), |value| value.trim().parse().map_err(|_| ConfigError::Number(name)))
        };
        let request_timeout = Duration::from_millis(number("REQUEST_TIMEOUT_MS", 10_000)?);
        let defaults = QueryLimits::default();
        let limits = QueryLimits {
            max_depth: number("MAX_QUERY_DEPTH", defaults.max_depth as u64)? as usize,
            max_complexity: number("MAX_QUERY_COMPLEXITY", defaults.max_complexity as u64)? as usize,
            max_root_fields: number("MAX_ROOT_FIELDS", defaults.max_root_fields as u64)? as usize,
        };
        let database_url = lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        // The demo accounts have published passwords: by default only on the
        // embedded SQLite database in development, and never in production.
        let seed_demo = seed_demo.unwrap_or(database_url.starts_with("sqlite")) && app_env == AppEnv::Development;
        Ok(Self {
            database_url,
            listen_addr: lookup("LISTEN_ADDR").unwrap_or_else(|| "127.0.0.1:8080".to_owned()),
            jwt_secret,
            app_env,
            seed_demo,
            request_timeout,
            workers: None,
            trusted_proxy_header: lookup("TRUSTED_PROXY_HEADER").filter(|h| !h.trim().is_empty()),
            anon_rate_limit_per_minute: u32::try_from(number("ANON_RATE_LIMIT_PER_MINUTE", 600)?)
                .map_err(|_| ConfigError::Number("ANON_RATE_LIMIT_PER_MINUTE"))?,
            anon_cache_ttl: Duration::from_secs(number("ANON_CACHE_SECONDS", 2)?),
            survey_responses_per_address_per_hour: number("SURVEY_RESPONSES_PER_ADDRESS_PER_HOUR", 200)?,
            limits,
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
    fn demo_accounts_only_on_the_embedded_database_unless_asked_for() {
        let postgres = "postgres://app@db/trustfeed";
        assert!(!settings(&[("DATABASE_URL", postgres)]).unwrap().seed_demo);
        assert!(settings(&[("DATABASE_URL", postgres), ("SEED_DEMO", "true")]).unwrap().seed_demo);
        assert!(!settings(&[("SEED_DEMO", "false")]).unwrap().seed_demo);
    }

    #[test]
    fn limits_can_be_tuned() {
        let s = settings(&[("MAX_QUERY_COMPLEXITY", "500"), ("ANON_RATE_LIMIT_PER_MINUTE", "0")]).unwrap();
        assert_eq!(s.limits.max_complexity, 500);
        assert_eq!(s.limits.max_depth, 12);
        assert_eq!(s.anon_rate_limit_per_minute, 0);
        assert_eq!(settings(&[("ANON_CACHE_SECONDS", "0")]).unwrap().anon_cache_ttl, Duration::ZERO);
        assert_eq!(settings(&[]).unwrap().anon_cache_ttl, Duration::from_secs(2));
        assert!(matches!(settings(&[("MAX_ROOT_FIELDS", "many")]), Err(ConfigError::Number(_))));
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(matches!(settings(&[("APP_ENV", "staging")]), Err(ConfigError::AppEnv(_))));
        assert!(matches!(settings(&[("SEED_DEMO", "maybe")]), Err(ConfigError::Bool(_))));
        assert!(matches!(settings(&[("REQUEST_TIMEOUT_MS", "soon")]), Err(ConfigError::Number(_))));
    }
}
