"""A thin client that drives the API the way a marketplace app or a script would."""

import json

from django.test import Client


class ApiClient:
    def __init__(self, token: str):
        self.client = Client()
        self.headers = {"Authorization": f"Bearer {token}"}

    def get(self, path: str, **params):
        return self.client.get(f"/api{path}", params, headers=self.headers)

    def post_json(self, path: str, body: dict, **headers):
        return self.client.post(
            f"/api{path}", json.dumps(body), content_type="application/json", headers=self.headers | headers
        )

    def post_form(self, path: str, fields: dict, files: list[tuple[str, bytes, str]] = (), **headers):
        """POST multipart: `files` are (name, bytes, evidence_kind)."""
        from django.core.files.uploadedfile import SimpleUploadedFile

        data = dict(fields)
        if files:
            data["evidence"] = [SimpleUploadedFile(name, content) for name, content, _ in files]
            data["evidence_kind"] = [kind for _, _, kind in files]
        return self.client.post(f"/api{path}", data, headers=self.headers | headers)
