"""A certificate for serving the mock over HTTPS, as staging is served: a private CA the client is told to trust
and a server certificate it signed for the addresses the mock listens on.

The CA's key is never written: once the server certificate is signed nobody, the mock included, can mint another
certificate that the written `ca.pem` vouches for.
"""

from __future__ import annotations

import datetime
import ipaddress
import os
import ssl
from dataclasses import dataclass
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from conformance.errors import SetupError

VALID_DAYS = 30
DEFAULT_NAMES = ("localhost", "127.0.0.1", "::1")


@dataclass(frozen=True)
class TLSFiles:
    """What the server needs (`cert`, `key`) and what a client must trust (`ca`: None for a given pair)."""

    cert: str
    key: str
    ca: str | None = None

    def context(self) -> ssl.SSLContext:
        """A server context for these files; one line and exit 2 if they are not a certificate and its key."""
        context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
        try:
            context.load_cert_chain(self.cert, self.key)
        except (OSError, ssl.SSLError) as exc:
            reason = getattr(exc, "strerror", None) or getattr(exc, "reason", None) or exc
            raise SetupError(
                f"cannot serve TLS with --tls-cert {self.cert} --tls-key {self.key}: {reason}",
                "give a PEM certificate and its unencrypted PEM key, or use --tls alone for a generated pair",
            ) from None
        return context


def _san(names: tuple[str, ...]) -> x509.SubjectAlternativeName:
    entries: list[x509.GeneralName] = []
    for name in dict.fromkeys(names):
        try:
            entries.append(x509.IPAddress(ipaddress.ip_address(name)))
        except ValueError:
            entries.append(x509.DNSName(name))
    return x509.SubjectAlternativeName(entries)


def _builder(subject: str, issuer: str, key: ec.EllipticCurvePrivateKey) -> x509.CertificateBuilder:
    now = datetime.datetime.now(datetime.UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, subject)]))
        .issuer_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, issuer)]))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=VALID_DAYS))
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
    )


def generate(directory: Path, names: tuple[str, ...] = DEFAULT_NAMES) -> TLSFiles:
    """Write `ca.pem` (to trust), `server.pem` and `server-key.pem` (owner-only) into `directory`."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = "voipbin-conformance mock CA"
    ca_usage = x509.KeyUsage(False, False, False, False, False, True, True, False, False)
    ca = (
        _builder(ca_name, ca_name, ca_key)
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(ca_usage, critical=True)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    ca_id = x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key())
    server_usage = x509.KeyUsage(True, False, False, False, False, False, False, False, False)
    server = (
        _builder(names[0], ca_name, key)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(server_usage, critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(ca_id, critical=False)
        .add_extension(_san(names), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    directory.mkdir(parents=True, exist_ok=True)
    files = TLSFiles(str(directory / "server.pem"), str(directory / "server-key.pem"), str(directory / "ca.pem"))
    pem = serialization.Encoding.PEM
    Path(files.cert).write_bytes(server.public_bytes(pem))
    assert files.ca is not None
    Path(files.ca).write_bytes(ca.public_bytes(pem))
    key_bytes = key.private_bytes(pem, serialization.PrivateFormat.PKCS8, serialization.NoEncryption())
    descriptor = os.open(files.key, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    os.fchmod(descriptor, 0o600)  # also when an earlier key file was there with wider rights
    with os.fdopen(descriptor, "wb") as out:
        out.write(key_bytes)
    return files
