#!/usr/bin/env python3
"""A real SMTP server (aiosmtpd) on 127.0.0.1 for FastAuthEmailTests.

    smtp_server.py --maildir DIR [--tls starttls|implicit|none|refuse-starttls]
                   [--user U --password P] [--no-auth] [--exclude-mechanism PLAIN]
                   [--cert-names localhost,127.0.0.1,::1]

Listens on a free port of 127.0.0.1 and prints one JSON line when it is ready:

    {"port": 12345, "ca": "DIR/ca.pem"}

then runs until its standard input closes (or it is killed). Each message received is saved,
as the raw bytes of DATA (after aiosmtpd undid the dot-stuffing), to DIR/<n>.eml, and its
envelope to DIR/<n>.json ({"mail_from", "rcpt_tos", "tls"}). Every AUTH attempt appends a line
{"mechanism", "login", "ok"} (never the password) to DIR/auth.log.

TLS: a throwaway CA and a server certificate for localhost / 127.0.0.1 / ::1 are generated in
DIR (python `cryptography`) at start; DIR/ca.pem is what the client must trust.
- starttls: STARTTLS offered; AUTH offered only after it (auth_require_tls).
- implicit: TLS from the first byte (SMTPS).
- none: no STARTTLS; AUTH offered in plaintext (a client must still refuse to use it).
- refuse-starttls: STARTTLS advertised, but the command is answered 454.
"""

import argparse
import asyncio
import datetime
import ipaddress
import json
import os
import socket
import ssl
import sys
import threading
import warnings

warnings.simplefilter("ignore")  # aiosmtpd's own deprecation and "AUTH without TLS" warnings

import logging

logging.getLogger("mail.log").setLevel(logging.ERROR)
if os.environ.get("FASTAUTH_SMTP_DEBUG"):
    logging.basicConfig(level=logging.DEBUG)
    logging.getLogger("mail.log").setLevel(logging.DEBUG)

from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, AuthResult, LoginPassword
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID


def make_certificates(directory, names):
    """A CA and a server certificate it signed for `names` (host names and IP addresses);
    returns (ca_path, cert_path, key_path)."""
    now = datetime.datetime.now(datetime.timezone.utc)
    ca_key = ec.generate_private_key(ec.SECP256R1())
    ca_name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "FastAuth test CA")])
    ca = (
        x509.CertificateBuilder()
        .subject_name(ca_name)
        .issuer_name(ca_name)
        .public_key(ca_key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(
            x509.KeyUsage(
                digital_signature=True, content_commitment=False, key_encipherment=False, data_encipherment=False,
                key_agreement=False, key_cert_sign=True, crl_sign=True, encipher_only=False, decipher_only=False),
            critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "localhost")]))
        .issuer_name(ca_name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - datetime.timedelta(minutes=5))
        .not_valid_after(now + datetime.timedelta(days=1))
        .add_extension(
            x509.SubjectAlternativeName([alternative_name(name) for name in names]),
            critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
        .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False)
        .sign(ca_key, hashes.SHA256())
    )
    ca_path = os.path.join(directory, "ca.pem")
    cert_path = os.path.join(directory, "server.pem")
    key_path = os.path.join(directory, "server.key")
    with open(ca_path, "wb") as f:
        f.write(ca.public_bytes(serialization.Encoding.PEM))
    with open(cert_path, "wb") as f:
        f.write(cert.public_bytes(serialization.Encoding.PEM))
    with open(key_path, "wb") as f:
        f.write(key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    return ca_path, cert_path, key_path


def alternative_name(name):
    try:
        return x509.IPAddress(ipaddress.ip_address(name))
    except ValueError:
        return x509.DNSName(name)


class SavingHandler:
    def __init__(self, directory):
        self.directory = directory
        self.count = 0
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.count += 1
            number = self.count
        base = os.path.join(self.directory, str(number))
        with open(base + ".tmp", "wb") as f:
            f.write(envelope.original_content or envelope.content)
        with open(base + ".json", "w") as f:
            json.dump({
                "mail_from": envelope.mail_from,
                "rcpt_tos": envelope.rcpt_tos,
                "tls": session.ssl is not None,
            }, f)
        os.replace(base + ".tmp", base + ".eml")
        return "250 2.0.0 Message accepted for delivery"


class Authenticator:
    def __init__(self, directory, user, password):
        self.log = os.path.join(directory, "auth.log")
        self.user = user.encode()
        self.password = password.encode()

    def __call__(self, server, session, envelope, mechanism, auth_data):
        ok = isinstance(auth_data, LoginPassword) and auth_data.login == self.user and auth_data.password == self.password
        login = auth_data.login.decode(errors="replace") if isinstance(auth_data, LoginPassword) else None
        with open(self.log, "a") as f:
            f.write(json.dumps({"mechanism": mechanism, "login": login, "ok": ok}) + "\n")
        return AuthResult(success=ok, handled=False)


class RefusingStartTLS(SMTP):
    async def smtp_STARTTLS(self, arg):
        await self.push("454 4.7.0 TLS not available due to temporary reason")


class FreePortController(Controller):
    """Binds its socket before starting (port 0: the kernel picks a free port, no race)."""

    def __init__(self, handler, smtp_class, **kwargs):
        self.sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        self.sock.bind(("127.0.0.1", 0))
        self.smtp_class = smtp_class
        super().__init__(handler, hostname="127.0.0.1", port=self.sock.getsockname()[1], **kwargs)

    def factory(self):
        return self.smtp_class(self.handler, **self.SMTP_kwargs)

    def _create_server(self):
        return self.loop.create_server(self._factory_invoker, sock=self.sock, ssl=self.ssl_context)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--maildir", required=True)
    parser.add_argument("--tls", choices=["starttls", "implicit", "none", "refuse-starttls"], default="starttls")
    parser.add_argument("--user", default="mailer")
    parser.add_argument("--password", default="s3cret:p@ss")
    parser.add_argument("--no-auth", action="store_true")
    parser.add_argument("--cert-names", default="localhost,127.0.0.1,::1",
                        help="the names the server certificate carries (comma-separated)")
    parser.add_argument("--exclude-mechanism", action="append", default=[],
                        help="an AUTH mechanism not to offer (PLAIN: the client must use LOGIN)")
    args = parser.parse_args()
    os.makedirs(args.maildir, exist_ok=True)

    ca_path, cert_path, key_path = make_certificates(args.maildir, args.cert_names.split(","))
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    context.load_cert_chain(cert_path, key_path)

    kwargs = {"server_hostname": "fastauth-test-smtp", "ready_timeout": 10}
    smtp_kwargs = {}
    if not args.no_auth:
        smtp_kwargs["authenticator"] = Authenticator(args.maildir, args.user, args.password)
        smtp_kwargs["auth_required"] = True
        if args.exclude_mechanism:
            smtp_kwargs["auth_exclude_mechanism"] = args.exclude_mechanism
    smtp_class = SMTP
    if args.tls == "starttls":
        smtp_kwargs.update(tls_context=context, require_starttls=True, auth_require_tls=True)
    elif args.tls == "refuse-starttls":
        smtp_class = RefusingStartTLS
        smtp_kwargs.update(tls_context=context, auth_require_tls=False)
    elif args.tls == "implicit":
        kwargs["ssl_context"] = context
        # The connection is TLS from the start; aiosmtpd only knows about STARTTLS's.
        smtp_kwargs.update(auth_require_tls=False)
    else:
        smtp_kwargs.update(auth_require_tls=False)

    controller = FreePortController(SavingHandler(args.maildir), smtp_class, **kwargs, **smtp_kwargs)
    controller.start()
    print(json.dumps({"port": controller.port, "ca": ca_path}), flush=True)
    try:
        sys.stdin.read()  # until the test closes our stdin (or exits)
    finally:
        controller.stop()


if __name__ == "__main__":
    main()
