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
    /// The most connections this instance's pool opens
    /// (`DATABASE_MAX_CONNECTIONS`, 1 to `MAX_DATABASE_CONNECTIONS`).
    pub database_max_connections: u32,
    /// The connections of the feed's own pool on PostgreSQL
    /// (`FEED_DATABASE_CONNECTIONS`, 1 to `MAX_DATABASE_CONNECTIONS`).
    pub feed_database_connections: u32,
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
    /// How long an aggregate figure (campaign KPIs, safety transparency) is
    /// served again once worked out (`AGGREGATE_CACHE_SECONDS`).
    pub aggregate_ttl: Duration,
    /// Anonymous survey responses per client address per hour.
    pub survey_responses_per_address_per_hour: u64,
    pub limits: QueryLimits,
    /// Which browser origins may call the API from another origin.
    pub cors_origins: CorsOrigins,
    /// Who may read `/metrics`.
    pub metrics: MetricsAccess,
    /// How the server stops on SIGTERM or Ctrl-C.
    pub shutdown: ShutdownTiming,
}

/// Where Prometheus reads `/metrics`. The figures (operation names, queue
/// depth) are not for the public, so production serves them only on a
/// separate address or to the bearer of a token.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetricsAccess {
    /// `METRICS_ADDR`: a second listener serving only `/metrics`, unguarded
    /// (keep it on a private network).
    pub addr: Option<String>,
    /// `METRICS_TOKEN`: `/metrics` on the main listener for
    /// `Authorization: Bearer <token>`.
    /// With neither, development serves `/metrics` on the main listener to
    /// anyone, and production serves it nowhere.
    pub token: Option<String>,
}

/// The phases of a graceful stop.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ShutdownTiming {
    /// `SHUTDOWN_DELAY_SECONDS` (5 in production, 0 in development): how
    /// long the server keeps serving after the signal while `/readyz`
    /// answers 503, so load balancers stop sending new requests before it
    /// stops accepting them.
    pub delay: Duration,
    /// `SHUTDOWN_DRAIN_SECONDS`: how long requests in flight may take to
    /// finish once it stops accepting.
    pub drain: Duration,
}

/// How log lines are written (`LOG_FORMAT`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum LogFormat {
    /// Readable lines, the default.
    Text,
    /// One JSON object per line, with the request span's fields.
    Json,
}

impl LogFormat {
    /// Read before the settings, so that reading them can already log.
    pub fn from_env() -> Result<Self, ConfigError> {
        Self::parse(std::env::var("LOG_FORMAT").ok().as_deref())
    }

    fn parse(value: Option<&str>) -> Result<Self, ConfigError> {
        match value.map(|v| v.trim().to_ascii_lowercase()).as_deref() {
            None | Some("" | "text") => Ok(Self::Text),
            Some("json") => Ok(Self::Json),
            Some(other) => Err(ConfigError::LogFormat(other.to_owned())),
        }
    }
}

/// Browser origins allowed to call the API across origins (`CORS_ORIGINS`,
/// comma-separated `scheme://host[:port]`). The web app is served from the
/// API's own origin and needs none.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum CorsOrigins {
    /// Exactly these; none is production's default.
    Listed(Vec<String>),
    /// `http://localhost` and `http://127.0.0.1` on any port: development's
    /// default, for a front end on its own dev server.
    Localhost,
}

impl CorsOrigins {
    fn parse(value: Option<String>, app_env: AppEnv) -> Result<Self, ConfigError> {
        let listed: Vec<String> = value
            .iter()
            .flat_map(|v| v.split(','))
            .map(|origin| origin.trim().trim_end_matches('/').to_owned())
            .filter(|origin| !origin.is_empty())
            .collect();
        if let Some(bad) = listed.iter().find(|origin| !is_origin(origin)) {
            return Err(ConfigError::CorsOrigin(bad.clone()));
        }
        Ok(match (listed.is_empty(), app_env) {
            (true, AppEnv::Development) => Self::Localhost,
            _ => Self::Listed(listed),
        })
    }

    pub fn allows(&self, origin: &str) -> bool {
        match self {
            Self::Listed(listed) => listed.iter().any(|allowed| allowed == origin),
            Self::Localhost => {
                let host = origin.strip_prefix("http://").unwrap_or_default();
                let host =
                    host.rsplit_once(':').filter(|(_, port)| port.parse::<u16>().is_ok()).map_or(host, |(h, _)| h);
                matches!(host, "localhost" | "127.0.0.1" | "[::1]")
            }
        }
    }
}

/// `scheme://host[:port]` with an http(s) scheme and nothing after the host.
fn is_origin(value: &str) -> bool {
    let Some(rest) = value.strip_prefix("https://").or_else(|| value.strip_prefix("http://")) else {
        return false;
    };
    !rest.is_empty() && !rest.contains(['/', '?', '#', ' ', '*'])
}

/// The cost limits on one operation (see `graphql::cost`).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct QueryLimits {
    pub max_depth: usize,
    pub max_complexity: usize,
    pub max_root_fields: usize,
    /// Aggregate fields (`graphql::cost::AGGREGATE_FIELDS`) per operation.
    pub max_aggregates: usize,
}

impl Default for QueryLimits {
    fn default() -> Self {
        Self { max_depth: 12, max_complexity: 2_000, max_root_fields: 100, max_aggregates: 4 }
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
    #[error("DATABASE_MAX_CONNECTIONS must be from 1 to {MAX_DATABASE_CONNECTIONS}")]
    PoolSize,
    #[error("FEED_DATABASE_CONNECTIONS must be from 1 to {MAX_DATABASE_CONNECTIONS}")]
    FeedPoolSize,
    #[error("CORS_ORIGINS: {0:?} is not an origin like https://app.example.com")]
    CorsOrigin(String),
    #[error("LOG_FORMAT must be `text` or `json`, not `{0}`")]
    LogFormat(String),
    #[error("METRICS_TOKEN must be at least {MIN_METRICS_TOKEN_BYTES} bytes")]
    ShortMetricsToken,
}

pub const MIN_SECRET_BYTES: usize = 32;
pub const MIN_METRICS_TOKEN_BYTES: usize = 16;
pub const DEFAULT_LISTEN_ADDR: &str = "127.0.0.1:8080";
pub const DEFAULT_DATABASE_URL: &str = "sqlite://data/trustfeed.db?mode=rwc";
/// The pool's size unless `DATABASE_MAX_CONNECTIONS` says otherwise.
pub const DEFAULT_DATABASE_MAX_CONNECTIONS: u32 = 10;
/// The feed's pool unless `FEED_DATABASE_CONNECTIONS` says otherwise.
pub const DEFAULT_FEED_DATABASE_CONNECTIONS: u32 = 5;
/// More connections than this from one instance would crowd out the rest
/// of a PostgreSQL server's (100 by default) and buy nothing on its cores.
pub const MAX_DATABASE_CONNECTIONS: u32 = 100;

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
            max_aggregates: number("MAX_AGGREGATE_FIELDS", defaults.max_aggregates as u64)? as usize,
        };
        let production = app_env == AppEnv::Production;
        let metrics_token = match lookup("METRICS_TOKEN").filter(|t| !t.is_empty()) {
            Some(token) if token.len() < MIN_METRICS_TOKEN_BYTES => return Err(ConfigError::ShortMetricsToken),
            token => token,
        };
        let database_url = lookup("DATABASE_URL").unwrap_or_else(|| DEFAULT_DATABASE_URL.to_owned());
        let pool_size = |name: &'static str, default: u32, refusal: ConfigError| {
            u32::try_from(number(name, default.into())?)
                .ok()
                .filter(|size| (1..=MAX_DATABASE_CONNECTIONS).contains(size))
                .ok_or(refusal)
        };
        let database_max_connections =
            pool_size("DATABASE_MAX_CONNECTIONS", DEFAULT_DATABASE_MAX_CONNECTIONS, ConfigError::PoolSize)?;
        let feed_database_connections =
            pool_size("FEED_DATABASE_CONNECTIONS", DEFAULT_FEED_DATABASE_CONNECTIONS, ConfigError::FeedPoolSize)?;
        // The demo accounts have published passwords: by default only on the
        // embedded SQLite database in development, and never in production.
        let seed_demo = seed_demo.unwrap_or(database_url.starts_with("sqlite")) && app_env == AppEnv::Development;
        Ok(Self {
            database_url,
            database_max_connections,
            feed_database_connections,
            listen_addr: lookup("LISTEN_ADDR").unwrap_or_else(|| DEFAULT_LISTEN_ADDR.to_owned()),
            jwt_secret,
            app_env,
            seed_demo,
            request_timeout,
            workers: None,
            trusted_proxy_header: lookup("TRUSTED_PROXY_HEADER").filter(|h| !h.trim().is_empty()),
            anon_rate_limit_per_minute: u32::try_from(number("ANON_RATE_LIMIT_PER_MINUTE", 600)?)
                .map_err(|_| ConfigError::Number("ANON_RATE_LIMIT_PER_MINUTE"))?,
            anon_cache_ttl: Duration::from_secs(number("ANON_CACHE_SECONDS", 2)?),
            aggregate_ttl: Duration::from_secs(number("AGGREGATE_CACHE_SECONDS", 60)?),
            survey_responses_per_address_per_hour: number("SURVEY_RESPONSES_PER_ADDRESS_PER_HOUR", 200)?,
            limits,
            cors_origins: CorsOrigins::parse(lookup("CORS_ORIGINS"), app_env)?,
            metrics: MetricsAccess {
                addr: lookup("METRICS_ADDR").filter(|a| !a.trim().is_empty()),
                token: metrics_token,
            },
            shutdown: ShutdownTiming {
                // Ctrl-C in development should stop at once.
                delay: Duration::from_secs(number("SHUTDOWN_DELAY_SECONDS", if production { 5 } else { 0 })?),
                drain: Duration::from_secs(number("SHUTDOWN_DRAIN_SECONDS", 30)?),
            },
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
    fn cors_allows_localhost_in_development_and_only_the_listed_origins_otherwise() {
        let dev = settings(&[]).unwrap().cors_origins;
        assert_eq!(dev, CorsOrigins::Localhost);
        for origin in ["http://localhost:5173", "http://127.0.0.1:3000", "http://localhost", "http://[::1]:8080"] {
            assert!(dev.allows(origin), "{origin}");
        }
        for origin in ["https://evil.example", "http://localhost.evil.example", "http://evil.example:localhost"] {
            assert!(!dev.allows(origin), "{origin}");
        }
        let secret = "x".repeat(32);
        let prod = settings(&[("APP_ENV", "production"), ("JWT_SECRET", &secret)]).unwrap().cors_origins;
        assert_eq!(prod, CorsOrigins::Listed(Vec::new()));
        assert!(!prod.allows("http://localhost:5173"));
        let listed = settings(&[("CORS_ORIGINS", " https://app.example.com/, http://admin.example.com:8443 ")])
            .unwrap()
            .cors_origins;
        assert!(listed.allows("https://app.example.com") && listed.allows("http://admin.example.com:8443"));
        assert!(!listed.allows("http://localhost:5173") && !listed.allows("https://app.example.com:444"));
        for bad in ["*", "app.example.com", "https://app.example.com/path", "ftp://x"] {
            assert!(matches!(settings(&[("CORS_ORIGINS", bad)]), Err(ConfigError::CorsOrigin(_))), "{bad}");
        }
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
        assert_eq!(settings(&[]).unwrap().aggregate_ttl, Duration::from_secs(60));
        assert!(matches!(settings(&[("MAX_ROOT_FIELDS", "many")]), Err(ConfigError::Number(_))));
    }

    #[test]
    fn metrics_are_guarded_in_production_and_shutdown_can_be_tuned() {
        let s = settings(&[]).unwrap();
        assert_eq!(s.metrics, MetricsAccess { addr: None, token: None });
        assert_eq!(s.shutdown, ShutdownTiming { delay: Duration::ZERO, drain: Duration::from_secs(30) });
        let secret = "x".repeat(32);
        let token = "t".repeat(16);
        let prod = settings(&[
            ("APP_ENV", "production"),
            ("JWT_SECRET", &secret),
            ("METRICS_TOKEN", &token),
            ("METRICS_ADDR", "0.0.0.0:9090"),
            ("SHUTDOWN_DELAY_SECONDS", "5"),
            ("SHUTDOWN_DRAIN_SECONDS", "20"),
        ])
        .unwrap();
        assert_eq!(prod.metrics, MetricsAccess { addr: Some("0.0.0.0:9090".into()), token: Some(token) });
        assert_eq!(prod.shutdown, ShutdownTiming { delay: Duration::from_secs(5), drain: Duration::from_secs(20) });
        assert!(matches!(settings(&[("METRICS_TOKEN", "short")]), Err(ConfigError::ShortMetricsToken)));
        let prod_defaults = settings(&[("APP_ENV", "production"), ("JWT_SECRET", &secret)]).unwrap();
        assert_eq!(prod_defaults.shutdown.delay, Duration::from_secs(5));
        assert_eq!(prod_defaults.metrics.token, None);
        assert!(matches!(settings(&[("SHUTDOWN_DRAIN_SECONDS", "-1")]), Err(ConfigError::Number(_))));
    }

    #[test]
    fn log_format_is_text_unless_json_is_asked_for() {
        assert_eq!(LogFormat::parse(None).unwrap(), LogFormat::Text);
        assert_eq!(LogFormat::parse(Some("JSON")).unwrap(), LogFormat::Json);
        assert!(matches!(LogFormat::parse(Some("xml")), Err(ConfigError::LogFormat(_))));
    }

    #[test]
    fn bad_values_are_refused() {
        assert!(matches!(settings(&[("APP_ENV", "staging")]), Err(ConfigError::AppEnv(_))));
        assert!(matches!(settings(&[("SEED_DEMO", "maybe")]), Err(ConfigError::Bool(_))));
        assert!(matches!(settings(&[("REQUEST_TIMEOUT_MS", "soon")]), Err(ConfigError::Number(_))));
        for size in ["0", "101", "4294967296"] {
            assert!(matches!(settings(&[("DATABASE_MAX_CONNECTIONS", size)]), Err(ConfigError::PoolSize)), "{size}");
        }
        assert!(matches!(settings(&[("DATABASE_MAX_CONNECTIONS", "ten")]), Err(ConfigError::Number(_))));
        for size in ["0", "101"] {
            let refused = settings(&[("FEED_DATABASE_CONNECTIONS", size)]);
            assert!(matches!(refused, Err(ConfigError::FeedPoolSize)), "{size}");
        }
    }

    #[test]
    fn the_pool_holds_ten_connections_unless_told() {
        assert_eq!(settings(&[]).unwrap().database_max_connections, 10);
        assert_eq!(settings(&[("DATABASE_MAX_CONNECTIONS", "6")]).unwrap().database_max_connections, 6);
        assert_eq!(settings(&[("DATABASE_MAX_CONNECTIONS", "100")]).unwrap().database_max_connections, 100);
        assert_eq!(settings(&[]).unwrap().feed_database_connections, 5);
        assert_eq!(settings(&[("FEED_DATABASE_CONNECTIONS", "2")]).unwrap().feed_database_connections, 2);
    }
}
