//! `estreamer ca`: the Internal CA.

use std::net::IpAddr;
use std::path::PathBuf;

use anyhow::{bail, Result};
use clap::{Args, Subcommand, ValueEnum};
use estreamer_pki::KeyType;

/// `ca` and its subcommands.
#[derive(Args)]
pub(crate) struct CaArgs {
    #[command(subcommand)]
    cmd: CaCmd,
}

#[derive(Subcommand)]
enum CaCmd {
    /// Create the Internal CA and the server certificate.
    Init {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
        /// Server IP address for the certificate (repeatable; default 127.0.0.1 and ::1).
        #[arg(long = "server-ip")]
        server_ip: Vec<IpAddr>,
        /// Server DNS name for the certificate (repeatable; default localhost).
        #[arg(long = "server-name")]
        server_name: Vec<String>,
        /// Key algorithm of the CA and the server certificate (an FMC's Internal CA uses RSA).
        #[arg(long, value_enum, default_value_t = KeyTypeArg::Rsa)]
        key_type: KeyTypeArg,
    },
    /// Register a client: writes a password-protected PKCS#12.
    AddClient {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
        /// The client's host name or IP address (the server checks the peer address against it).
        #[arg(long)]
        host: String,
        /// Output PKCS#12 file.
        #[arg(long)]
        out: PathBuf,
        /// Password; a random one is generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Register a sensor (a producer for `serve --ingest`): writes a password-protected PKCS#12
    /// whose certificate the ingest endpoint accepts and the event port refuses.
    AddSensor {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
        /// The sensor's host name or IP address (the service checks the peer address against it).
        #[arg(long)]
        host: String,
        /// Output PKCS#12 file.
        #[arg(long)]
        out: PathBuf,
        /// Password; a random one is generated and printed when omitted.
        #[arg(long)]
        password: Option<String>,
    },
    /// Revoke a client or sensor by host or serial; running services refuse it from the next
    /// connection.
    Revoke {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
        /// Host or serial (hex).
        #[arg(long)]
        client: String,
    },
    /// List registered clients.
    List {
        /// PKI directory.
        #[arg(long)]
        dir: PathBuf,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyTypeArg {
    /// RSA 2048 (default, like an FMC).
    Rsa,
    /// ECDSA P-256.
    Ecdsa,
}

pub(crate) fn run(args: CaArgs) -> Result<()> {
    crate::init_logging("warn");
    let sensor = matches!(args.cmd, CaCmd::AddSensor { .. });
    match args.cmd {
        CaCmd::Init { dir, server_ip, server_name, key_type } => {
            let key_type = match key_type {
                KeyTypeArg::Rsa => KeyType::Rsa,
                KeyTypeArg::Ecdsa => KeyType::Ecdsa,
            };
            estreamer_pki::init_ca_with(&dir, &server_ip, &server_name, key_type)?;
            eprintln!("ca: Internal CA and server certificate written to {}", dir.display());
        }
        CaCmd::AddClient { dir, host, out, password } | CaCmd::AddSensor { dir, host, out, password } => {
            let (role, issued) = match sensor {
                false => ("client", estreamer_pki::add_client(&dir, &host, password.as_deref())?),
                true => ("sensor", estreamer_pki::add_sensor(&dir, &host, password.as_deref())?),
            };
            estreamer_pki::write_secret_file(&out, &issued.pkcs12)?;
            eprintln!(
                "ca: {role} {host} registered (serial {}); PKCS#12 written to {}",
                issued.serial_hex,
                out.display()
            );
            if issued.password_was_generated {
                // Printed once, on stdout, so it can be captured; it is not stored anywhere.
                println!("{}", issued.password);
            }
        }
        CaCmd::Revoke { dir, client } => {
            let n = estreamer_pki::revoke_client(&dir, &client)?;
            if n == 0 {
                bail!("no registered client matches {client:?}");
            }
            eprintln!("ca: revoked {n} certificate(s); running services refuse them from their next connection");
        }
        CaCmd::List { dir } => {
            for c in estreamer_pki::list_clients(&dir)? {
                let state = if c.revoked { "revoked" } else { "active" };
                println!("{}\t{}\t{}\t{}", c.host, c.serial_hex, state, c.role);
            }
        }
    }
    Ok(())
}
