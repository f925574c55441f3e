//! The HMAC signatures of access tokens, as jsonwebtoken's crypto provider.
//! Its `rust_crypto` backend would compile RSA and three elliptic curves
//! into every build for tokens that only ever use HS256 (the HS384 and
//! HS512 here cost nothing more: the tests forge them to see them refused).
use hmac::digest::KeyInit;
use hmac::{Hmac, Mac};
use jsonwebtoken::crypto::{CryptoProvider, JwtSigner, JwtVerifier, KeyUtils};
use jsonwebtoken::errors::{ErrorKind, Result};
use jsonwebtoken::signature::{self, Signer, Verifier};
use jsonwebtoken::{Algorithm, AlgorithmFamily, DecodingKey, EncodingKey};
use sha2::{Sha256, Sha384, Sha512};

enum HmacKey {
    Sha256(Hmac<Sha256>),
    Sha384(Hmac<Sha384>),
    Sha512(Hmac<Sha512>),
}

fn keyed<M: KeyInit>(secret: &[u8]) -> Result<M> {
    M::new_from_slice(secret).map_err(|_| ErrorKind::InvalidKeyFormat.into())
}

fn tag<M: Mac + Clone>(mac: &M, message: &[u8]) -> Vec<u8> {
    let mut mac = mac.clone();
    mac.update(message);
    mac.finalize().into_bytes().to_vec()
}

/// Constant-time, as `Mac::verify_slice` is.
fn check<M: Mac + Clone>(mac: &M, message: &[u8], signature: &[u8]) -> std::result::Result<(), signature::Error> {
    let mut mac = mac.clone();
    mac.update(message);
    mac.verify_slice(signature).map_err(|_| signature::Error::new())
}

impl HmacKey {
    fn new(algorithm: Algorithm, family: AlgorithmFamily, secret: &[u8]) -> Result<Self> {
        if family != AlgorithmFamily::Hmac {
            return Err(ErrorKind::InvalidKeyFormat.into());
        }
        match algorithm {
            Algorithm::HS256 => Ok(Self::Sha256(keyed(secret)?)),
            Algorithm::HS384 => Ok(Self::Sha384(keyed(secret)?)),
            Algorithm::HS512 => Ok(Self::Sha512(keyed(secret)?)),
            _ => Err(ErrorKind::InvalidAlgorithm.into()),
        }
    }

    fn algorithm(&self) -> Algorithm {
        match self {
            Self::Sha256(_) => Algorithm::HS256,
            Self::Sha384(_) => Algorithm::HS384,
            Self::Sha512(_) => Algorithm::HS512,
        }
    }
}

impl Signer<Vec<u8>> for HmacKey {
    fn try_sign(&self, message: &[u8]) -> std::result::Result<Vec<u8>, signature::Error> {
        Ok(match self {
            Self::Sha256(mac) => tag(mac, message),
            Self::Sha384(mac) => tag(mac, message),
            Self::Sha512(mac) => tag(mac, message),
        })
    }
}

impl Verifier<Vec<u8>> for HmacKey {
    fn verify(&self, message: &[u8], signature: &Vec<u8>) -> std::result::Result<(), signature::Error> {
        match self {
            Self::Sha256(mac) => check(mac, message, signature),
            Self::Sha384(mac) => check(mac, message, signature),
            Self::Sha512(mac) => check(mac, message, signature),
        }
    }
}

impl JwtSigner for HmacKey {
    fn algorithm(&self) -> Algorithm {
        HmacKey::algorithm(self)
    }
}

impl JwtVerifier for HmacKey {
    fn algorithm(&self) -> Algorithm {
        HmacKey::algorithm(self)
    }
}

fn signer(algorithm: &Algorithm, key: &EncodingKey) -> Result<Box<dyn JwtSigner>> {
    Ok(Box::new(HmacKey::new(*algorithm, key.family(), key.as_bytes())?))
}

fn verifier(algorithm: &Algorithm, key: &DecodingKey) -> Result<Box<dyn JwtVerifier>> {
    Ok(Box::new(HmacKey::new(*algorithm, key.family(), key.try_get_as_bytes()?)?))
}

/// HMAC only; no JSON Web Keys (TrustFeed publishes none).
static HMAC_ONLY: CryptoProvider =
    CryptoProvider { signer_factory: signer, verifier_factory: verifier, key_utils: KeyUtils::new_unimplemented() };

/// Makes the provider the process's own, once; every later call (each app
/// a test process builds) finds it there.
pub fn install() {
    if CryptoProvider::try_get_default().is_none() {
        // Another thread may have installed it in between: the same provider.
        let _ = HMAC_ONLY.install_default();
    }
}
