"""TLS as a run meets it: whose certificates are trusted, the client certificate a gateway may ask for, and what
to tell the user, in one line, when the handshake fails.

Trust, first match wins: `--insecure` (none, said loudly in every report), `--ca-bundle`, `REQUESTS_CA_BUNDLE`
(or `CURL_CA_BUNDLE`, as requests reads them), else the system's trust store together with certifi's (requests
alone reads only certifi's, so a private CA installed on the machine was not trusted).
"""

from __future__ import annotations

import os
import ssl
from dataclasses import dataclass
from typing import Any

import requests
from urllib3.util.ssl_ import create_urllib3_context

from conformance.errors import SetupError

INSECURE = (
    "TLS NOT VERIFIED (--insecure): the target's certificate was not checked, so anyone on the path could read "
    "the credentials and forge the answers this run judged"
)
_CLIENT_HINT = "if the target wants a client certificate, pass --client-cert PATH [--client-key PATH]"
_TRUST_HINT = "pass --ca-bundle PATH (or set REQUESTS_CA_BUNDLE) to the certificate of the CA that signed it"


@dataclass(frozen=True)
class TLS:
    ca_bundle: str | None = None
    client_cert: str | None = None
    client_key: str | None = None
    insecure: bool = False

    @classmethod
    def of(cls, config: Any) -> TLS:
        return cls(config.ca_bundle, config.client_cert, config.client_key, config.insecure)


def apply(session: requests.Session, tls: TLS, base_url: str) -> None:
    """Set the session's trust and client certificate, refusing (one line) files that cannot be used.

    `session.verify` already holds a REQUESTS_CA_BUNDLE read from the environment, if any."""
    if tls.insecure and tls.ca_bundle:
        raise SetupError("--insecure and --ca-bundle contradict each other", "drop one of them")
    if tls.client_key and not tls.client_cert:
        raise SetupError("--client-key needs --client-cert", "give the certificate the key belongs to")
    https = base_url.lower().startswith("https://")
    if tls.insecure:
        session.verify = False
    elif tls.ca_bundle:
        session.verify = _bundle("--ca-bundle", tls.ca_bundle)
    elif isinstance(session.verify, str) and https:
        session.verify = _bundle("REQUESTS_CA_BUNDLE", session.verify)
    if tls.client_cert:
        _client_pair(tls.client_cert, tls.client_key)
        session.cert = (tls.client_cert, tls.client_key) if tls.client_key else tls.client_cert
    if session.verify is True and https:
        for adapter in session.adapters.values():
            pool_manager = getattr(adapter, "poolmanager", None)
            if pool_manager is not None:
                pool_manager.connection_pool_kw["ssl_context"] = system_context()


def system_context() -> ssl.SSLContext:
    """urllib3's verifying context with the system's trust store loaded; requests adds certifi's bundle to it."""
    context = create_urllib3_context(cert_reqs=ssl.CERT_REQUIRED)
    context.load_default_certs()
    return context


def _bundle(flag: str, path: str) -> str:
    """A CA bundle file (or a hashed directory, as requests allows) that holds at least one certificate."""
    try:
        if os.path.isdir(path):
            if not os.access(path, os.R_OK | os.X_OK):
                raise PermissionError(13, "Permission denied")
        else:
            ssl.create_default_context(cafile=path)
    except ssl.SSLError as exc:  # before OSError, which it is a kind of
        raise SetupError(
            f"{flag} {path}: no certificate found in it ({exc.reason or exc})",
            "give the path of a PEM file of CA certificates",
        ) from None
    except OSError as exc:
        raise SetupError(
            f"{flag} {path}: {exc.strerror or exc}", "give the path of a PEM file of CA certificates"
        ) from None
    return path


class _Encrypted(Exception):
    pass


def _no_password() -> str:
    raise _Encrypted  # never a prompt on the terminal: requests cannot pass a key's password


def _client_pair(cert: str, key: str | None) -> None:
    for flag, path in (("--client-cert", cert), ("--client-key", key)):
        if path is not None and not os.access(path, os.R_OK):
            reason = "No such file or directory" if not os.path.exists(path) else "Permission denied"
            raise SetupError(f"{flag} {path}: {reason}", "give the path of a readable PEM file")
    try:
        ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT).load_cert_chain(cert, key, password=_no_password)
    except _Encrypted:
        raise SetupError(
            f"the client key {key or cert} is encrypted, and requests cannot use a key's password",
            "give an unencrypted copy (e.g. openssl pkey -in KEY -out PLAIN.pem), kept readable only by you",
        ) from None
    except (OSError, ssl.SSLError) as exc:
        detail = getattr(exc, "reason", None) or getattr(exc, "strerror", None) or exc
        raise SetupError(
            f"--client-cert {cert}{' --client-key ' + key if key else ''}: not a PEM certificate and its private "
            f"key ({detail})",
            "give the certificate and the key that belongs to it (--client-key, or both in --client-cert)",
        ) from None


def _causes(exc: BaseException) -> list[BaseException]:
    """`exc` and everything it wraps: requests wraps urllib3, which wraps the ssl module's error."""
    seen: list[BaseException] = []
    todo: list[Any] = [exc]
    while todo and len(seen) < 20:
        item = todo.pop()
        if not isinstance(item, BaseException) or any(item is s for s in seen):
            continue
        seen.append(item)
        todo += [item.__cause__, item.__context__, getattr(item, "reason", None), *item.args]
    return seen


def failure(exc: BaseException) -> SetupError | None:
    """A failed TLS handshake as one line that says what to do; None when `exc` is not about TLS."""
    causes = _causes(exc)
    for cause in causes:
        if isinstance(cause, ssl.SSLCertVerificationError):
            why = cause.verify_message or cause.reason or "verification failed"
            return SetupError(f"the target's TLS certificate is not trusted ({why})", _TRUST_HINT)
    text = " ".join(str(c) for c in causes)
    if "CERTIFICATE_VERIFY_FAILED" in text:
        return SetupError("the target's TLS certificate is not trusted", _TRUST_HINT)
    if "WRONG_VERSION_NUMBER" in text or "record layer failure" in text:
        return SetupError(
            "the target does not speak TLS on this port", "check the scheme of --base-url (http:// or https://)"
        )
    if any(word in text.upper() for word in ("CERTIFICATE_REQUIRED", "HANDSHAKE_FAILURE", "BAD_CERTIFICATE")):
        return SetupError("the target refused the TLS handshake (it may want a client certificate)", _CLIENT_HINT)
    ssl_errors = [c for c in causes if isinstance(c, ssl.SSLError)]
    if ssl_errors or isinstance(exc, requests.exceptions.SSLError):
        # A gateway that wants a client certificate may just end the connection (EOF in violation of protocol).
        detail = (ssl_errors[0].reason or ssl_errors[0].strerror) if ssl_errors else None
        return SetupError(f"the TLS connection to the target failed ({detail or 'SSLError'})", _CLIENT_HINT)
    return None
