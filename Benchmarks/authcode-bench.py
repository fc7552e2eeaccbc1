#!/usr/bin/env python3
"""Prepares grants for Benchmarks/authcode-bench.sh: signs in once as Sam to a trusted client (no consent page), then
asks the authorization endpoint for N codes (a signed-in session gets a code straight away) and writes them, one per
line; with --refresh, exchanges them and writes the N refresh tokens instead. All PKCE verifiers are the same fixed
value, so the wrk script can send it with every exchange."""

import argparse
import base64
import concurrent.futures
import hashlib
import html
import re
import sys
import urllib.parse

import requests

VERIFIER = "benchmark-verifier-benchmark-verifier-benchmark-0123456789"
CHALLENGE = base64.urlsafe_b64encode(hashlib.sha256(VERIFIER.encode()).digest()).rstrip(b"=").decode()


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--issuer", required=True)
    parser.add_argument("--redirect", required=True)
    parser.add_argument("--count", type=int, default=20000)
    parser.add_argument("--refresh", action="store_true")
    parser.add_argument("--out", required=True)
    options = parser.parse_args()
    session = requests.Session()
    params = {"response_type": "code", "client_id": "bench", "redirect_uri": options.redirect, "scope": "photos:read",
              "code_challenge": CHALLENGE, "code_challenge_method": "S256"}
    page = session.get(f"{options.issuer}/oauth/authorize", params=params, allow_redirects=False)
    fields = {name: html.unescape(value) for name, value in re.findall(r'<input type="hidden" name="([^"]+)" value="([^"]*)"', page.text)}
    answer = session.post(f"{options.issuer}/oauth/authorize", data={**fields, "username": "Sam", "password": "photos-of-Sam-1"}, allow_redirects=False)
    if answer.status_code != 303:
        print(f"sign-in failed: {answer.status_code} {answer.text[:200]}", file=sys.stderr)
        return 1
    cookies = session.cookies.get_dict()

    def code(_: int) -> str:
        location = requests.get(f"{options.issuer}/oauth/authorize", params=params, cookies=cookies, allow_redirects=False).headers["Location"]
        value = urllib.parse.parse_qs(urllib.parse.urlparse(location).query)["code"][0]
        if not options.refresh:
            return value
        token = requests.post(f"{options.issuer}/oauth/token", data={"grant_type": "authorization_code", "code": value, "client_id": "bench",
                                                                     "redirect_uri": options.redirect, "code_verifier": VERIFIER})
        return token.json()["refresh_token"]

    with concurrent.futures.ThreadPoolExecutor(8) as pool:
        values = list(pool.map(code, range(options.count)))
    with open(options.out, "w") as out:
        out.write("\n".join(values) + "\n")
    return 0


if __name__ == "__main__":
    sys.exit(main())
