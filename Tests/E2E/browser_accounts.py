#!/usr/bin/env python3
"""A real browser through the emailed links: `fastauth serve` (SQLite file) sending mail over
SMTP to a real SMTP server (aiosmtpd on loopback), headless Chromium (Debian's chromium +
chromium-driver, driven by Selenium) opening the links the mails carry.

  register → request verification → open the emailed link → confirm → /auth/me says verified
  forgot password → open the emailed link → fill the form → log in with the new password;
  the sessions from before are dead

Prints one JSON object. With --screenshots DIR it saves both pages there as PNG.

  browser_accounts.py --fastauth .build/debug/fastauth [--screenshots docs/images]
"""
import argparse
import email
import email.policy
import json
import os
import re
import shutil
import subprocess
import sys
import tempfile
import threading
import time

from e2e_common import call, free_port, stop as stop_all, wait_healthy


class Inbox:
    """An aiosmtpd handler that keeps every message it receives."""

    def __init__(self):
        self.messages = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server, session, envelope):
        with self.lock:
            self.messages.append((envelope.rcpt_tos, envelope.content))
        return "250 Message accepted for delivery"

    def wait_for(self, recipient, path, seconds=30):
        """The link to `path` in the first unread message to `recipient` (a bounded poll: the
        server's delivery task sends as soon as a request queues the mail)."""
        deadline = time.time() + seconds
        while time.time() < deadline:
            with self.lock:
                for index, (rcpts, content) in enumerate(self.messages):
                    if recipient in rcpts:
                        message = email.message_from_bytes(content, policy=email.policy.default)
                        text = message.get_body(preferencelist=("plain",)).get_content()
                        html = message.get_body(preferencelist=("html",))
                        match = re.search(r"https?://\S*" + re.escape(path) + r"\?token=[A-Za-z0-9_-]+", text)
                        if match:
                            del self.messages[index]
                            return match.group(0), message["Subject"], html is not None
            time.sleep(0.1)
        raise RuntimeError(f"no mail to {recipient} with a link to {path} within {seconds} s")


def browser():
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--disable-gpu", "--window-size=900,900"):
        options.add_argument(argument)
    binary = shutil.which("chromium") or shutil.which("chromium-browser")
    if binary:
        options.binary_location = binary
    driver_path = shutil.which("chromedriver") or "/usr/bin/chromedriver"
    return webdriver.Chrome(service=Service(driver_path), options=options)


def submit(driver):
    """Presses the page's submit button and waits (bounded) for the next page to replace it:
    the result page's heading, read once the old page is gone."""
    from selenium.common.exceptions import StaleElementReferenceException
    from selenium.webdriver.common.by import By
    from selenium.webdriver.support import expected_conditions
    from selenium.webdriver.support.ui import WebDriverWait

    button = driver.find_element(By.CSS_SELECTOR, "button[type=submit]")
    button.click()
    WebDriverWait(driver, 20).until(expected_conditions.staleness_of(button))
    WebDriverWait(driver, 20).until(lambda d: d.execute_script("return document.readyState") == "complete")
    for _ in range(50):
        try:
            return driver.find_element(By.TAG_NAME, "h1").text
        except StaleElementReferenceException:
            time.sleep(0.1)
    raise RuntimeError("the page after the form never settled")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--fastauth", required=True)
    parser.add_argument("--screenshots")
    args = parser.parse_args()
    from aiosmtpd.controller import Controller
    from selenium.webdriver.common.by import By

    result = {}
    workdir = tempfile.mkdtemp(prefix="fastauth-browser-")
    inbox = Inbox()
    smtp_port = free_port()
    controller = Controller(inbox, hostname="127.0.0.1", port=smtp_port)
    controller.start()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    env = dict(os.environ)
    env.update({
        "FASTAUTH_SECRET": "browser-secret-" + "z" * 48, "FASTAUTH_DATABASE_URL": f"sqlite://{workdir}/auth.db",
        "FASTAUTH_RATE_LIMIT_PER_MINUTE": "0", "FASTAUTH_EMAIL_TRANSPORT": f"smtp://127.0.0.1:{smtp_port}?starttls=off",
        "FASTAUTH_EMAIL_FROM": "FastAuth <no-reply@example.test>", "LOG_LEVEL": "notice",
    })
    log = open(os.path.join(workdir, "server.log"), "a")
    server = subprocess.Popen([args.fastauth, "serve", "--port", str(port)], env=env, cwd=workdir, stdout=log,
                              stderr=subprocess.STDOUT)
    driver = None
    try:
        wait_healthy(base, server, log.name)
        driver = browser()
        user = "ada@example.test"
        status, body = call("POST", base + "/auth/register", {"email": user, "password": "correct horse battery", "name": "Ada"})
        result["register"] = status
        tokens = json.loads(body)
        status, _ = call("POST", base + "/auth/request-verify-email", token=tokens["access_token"])
        result["request_verify"] = status
        link, subject, has_html = inbox.wait_for(user, "/auth/verify-email")
        result["verify_mail"] = {"subject": subject, "html_part": has_html, "link_base": link.split("/auth/")[0]}

        driver.get(link)
        result["verify_page_title"] = driver.title
        if args.screenshots:
            driver.save_screenshot(os.path.join(args.screenshots, "verify-email.png"))
        status, body = call("GET", base + "/auth/me", token=tokens["access_token"])
        result["verified_before_click"] = json.loads(body)["email_verified"]
        result["verify_done_heading"] = submit(driver)
        status, body = call("GET", base + "/auth/me", token=tokens["access_token"])
        result["verified_after_click"] = json.loads(body)["email_verified"]

        status, body = call("POST", base + "/auth/login", {"email": user, "password": "correct horse battery"})
        second = json.loads(body)
        status, _ = call("POST", base + "/auth/forgot-password", {"email": user})
        result["forgot"] = status
        link, subject, _ = inbox.wait_for(user, "/auth/reset-password")
        result["reset_mail_subject"] = subject
        driver.get(link)
        result["reset_page_title"] = driver.title
        if args.screenshots:
            driver.save_screenshot(os.path.join(args.screenshots, "reset-password.png"))
        driver.find_element(By.ID, "new_password").send_keys("a brand new passphrase")
        driver.find_element(By.ID, "confirm_password").send_keys("a brand new passphrase")
        result["reset_done_heading"] = submit(driver)

        result["login_new_password"] = call("POST", base + "/auth/login", {"email": user, "password": "a brand new passphrase"})[0]
        result["login_old_password"] = call("POST", base + "/auth/login", {"email": user, "password": "correct horse battery"})[0]
        result["old_access_me"] = call("GET", base + "/auth/me", token=tokens["access_token"])[0]
        result["old_refresh"] = [call("POST", base + "/auth/refresh", {"refresh_token": t["refresh_token"]})[0] for t in (tokens, second)]
    except Exception as error:  # reported in the JSON, with the server log's tail
        result["error"] = f"{type(error).__name__}: {error}"
        log.flush()
        with open(log.name) as handle:
            result["server_log_tail"] = handle.read()[-2000:]
    finally:
        if driver is not None:
            driver.quit()
        result["exit_code"] = stop_all([server])[0]
        controller.stop()
    print(json.dumps(result))


if __name__ == "__main__":
    sys.exit(main())
