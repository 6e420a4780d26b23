"""A local stand-in for the DSA Transparency Database's API that enforces its documented rules.

Written from the API documentation (`POST /api/v1/statement`, `POST /api/v1/statements`, schema of
1 July 2025) and kept apart from Plaint's own code on purpose: its enumerations are its own copy, so a
value Plaint misspells is refused here as the real database would refuse it. Stricter than the real
one in one way: a field the API does not know is an error (Laravel would drop it silently, and a
misspelt optional field would be lost without anyone noticing).
"""

import json
import re
import threading
import uuid
from datetime import date
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

VISIBILITY = {
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
}
MONETARY = {"DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"}
PROVISION = {
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
}
ACCOUNT = {"DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"}
ACCOUNT_TYPE = {"ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"}
GROUND = {"DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"}
CONTENT_TYPE = {
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
}
CATEGORY = {
    "STATEMENT_CATEGORY_" + name
    for name in (
        "ANIMAL_WELFARE CONSUMER_INFORMATION CYBER_VIOLENCE CYBER_VIOLENCE_AGAINST_WOMEN "
        "DATA_PROTECTION_AND_PRIVACY_VIOLATIONS ILLEGAL_OR_HARMFUL_SPEECH INTELLECTUAL_PROPERTY_INFRINGEMENTS "
        "NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS NOT_SPECIFIED_NOTICE OTHER_VIOLATION_TC "
        "PROTECTION_OF_MINORS RISK_FOR_PUBLIC_SECURITY SCAMS_AND_FRAUD SELF_HARM UNSAFE_AND_PROHIBITED_PRODUCTS "
        "VIOLENCE"
    ).split()
}
KEYWORD = {
    "KEYWORD_" + name
    for name in (
        "ADULT_SEXUAL_MATERIAL AGE_SPECIFIC_RESTRICTIONS AGE_SPECIFIC_RESTRICTIONS_MINORS ANIMAL_HARM "
        "BIOMETRIC_DATA_BREACH BULLYING_AGAINST_GIRLS CHILD_SEXUAL_ABUSE_MATERIAL "
        "CHILD_SEXUAL_ABUSE_MATERIAL_DEEPFAKE CONTENT_PROMOTING_EATING_DISORDERS COORDINATED_HARM "
        "COPYRIGHT_INFRINGEMENT CYBER_BULLYING_INTIMIDATION CYBER_HARASSMENT CYBER_HARASSMENT_AGAINST_WOMEN "
        "CYBER_INCITEMENT CYBER_STALKING CYBER_STALKING_AGAINST_WOMEN DATA_FALSIFICATION DEFAMATION "
        "DESIGN_INFRINGEMENT DISCRIMINATION FEMALE_GENDERED_DISINFORMATION GEOGRAPHIC_INDICATIONS_INFRINGEMENT "
        "GEOGRAPHICAL_REQUIREMENTS GOODS_SERVICES_NOT_PERMITTED GROOMING_SEXUAL_ENTICEMENT_MINORS HATE_SPEECH "
        "HIDDEN_ADVERTISEMENT HUMAN_EXPLOITATION HUMAN_TRAFFICKING ILLEGAL_ORGANIZATIONS "
        "IMPERSONATION_ACCOUNT_HIJACKING INAUTHENTIC_ACCOUNTS INAUTHENTIC_LISTINGS INAUTHENTIC_USER_REVIEWS "
        "INCITEMENT_AGAINST_WOMEN INCITEMENT_VIOLENCE_HATRED INSUFFICIENT_INFORMATION_ON_TRADERS "
        "LANGUAGE_REQUIREMENTS MISINFORMATION_DISINFORMATION MISLEADING_INFO_CONSUMER_RIGHTS "
        "MISLEADING_INFO_GOODS_SERVICES MISSING_PROCESSING_GROUND NON_CONSENSUAL_IMAGE_SHARING "
        "NON_CONSENSUAL_IMAGE_SHARING_AGAINST_WOMEN NON_CONSENSUAL_MATERIAL_DEEPFAKE "
        "NON_CONSENSUAL_MATERIAL_DEEPFAKE_AGAINST_WOMEN NONCOMPLIANCE_PRICING NUDITY PATENT_INFRINGEMENT "
        "PHISHING PROHIBITED_PRODUCTS PYRAMID_SCHEMES RIGHT_TO_BE_FORGOTTEN RISK_ENVIRONMENTAL_DAMAGE "
        "RISK_PUBLIC_HEALTH SELF_MUTILATION STALKING SUICIDE TERRORIST_CONTENT TRADE_SECRET_INFRINGEMENT "
        "TRADEMARK_INFRINGEMENT TRAFFICKING_WOMEN_GIRLS UNLAWFUL_SALE_ANIMALS UNSAFE_CHALLENGES UNSAFE_PRODUCTS "
        "VIOLATION_EU_LAW VIOLATION_NATIONAL_LAW OTHER"
    ).split()
}
SOURCE = {"SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"}
AUTOMATED_DECISION = {"AUTOMATED_DECISION_FULLY", "AUTOMATED_DECISION_PARTIALLY", "AUTOMATED_DECISION_NOT_AUTOMATED"}
YES_NO = {"Yes", "No"}
COUNTRIES = set("AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IS IT LI LT LU LV MT NL NO PL PT RO SE SI SK".split())
PUID = re.compile(r"^[a-zA-Z0-9\-_]+$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
KNOWN = {
    "decision_visibility", "decision_visibility_other", "decision_monetary", "decision_monetary_other",
    "decision_provision", "decision_account", "account_type", "category_specification",
    "category_specification_other", "decision_ground", "decision_ground_reference_url",
    "illegal_content_legal_ground", "illegal_content_explanation", "incompatible_content_ground",
    "incompatible_content_explanation", "incompatible_content_illegal", "content_type", "content_type_other",
    "category", "category_addition", "territorial_scope", "content_language", "content_date",
    "application_date", "end_date_account_restriction", "end_date_monetary_restriction",
    "end_date_service_restriction", "end_date_visibility_restriction", "decision_facts", "source_type",
    "source_identity", "automated_detection", "automated_decision", "puid", "content_id", "content_id_ean",
}  # fmt: skip


def _day(value: object, low: str, high: str = "2038-01-01") -> str | None:
    """Return what is wrong with a YYYY-MM-DD date between low and high, or None."""
    if not isinstance(value, str) or not DAY.match(value):
        return "does not match the format YYYY-MM-DD"
    try:
        date.fromisoformat(value)
    except ValueError:
        return "is not a valid date"
    if value < low or value > high:
        return f"must be between {low} and {high}"
    return None


def validate(s: object) -> dict[str, list[str]]:
    """Return {field: [messages]} for one statement; empty when the API would accept it."""
    if not isinstance(s, dict):
        return {"statement": ["must be an object"]}
    errors: dict[str, list[str]] = {}

    def bad(field: str, message: str) -> None:
        errors.setdefault(field, []).append(f"The {field.replace('_', ' ')} {message}.")

    for field in s:
        if field not in KNOWN:
            bad(field, "is not a field of the API")

    def text(field: str, limit: int, required: bool = False) -> None:
        value = s.get(field)
        if value in (None, ""):
            if required:
                bad(field, "field is required")
            return
        if not isinstance(value, str):
            bad(field, "must be a string")
        elif len(value) > limit:
            bad(field, f"must not be greater than {limit} characters")

    def one_of(field: str, allowed: set[str], required: bool = False) -> None:
        value = s.get(field)
        if value is None:
            if required:
                bad(field, "field is required")
        elif value not in allowed:
            bad(field, "is invalid (selected value not allowed)")

    def array_of(field: str, allowed: set[str], required: bool = False) -> None:
        value = s.get(field)
        if value is None:
            if required:
                bad(field, "field is required")
        elif not isinstance(value, list) or not value:
            bad(field, "must be a non-empty array")
        elif any(v not in allowed for v in value):
            bad(field, "has a value that is not allowed")

    restrictions = ("decision_visibility", "decision_monetary", "decision_provision", "decision_account")
    if not any(s.get(f) not in (None, []) for f in restrictions):
        for field in restrictions:
            bad(field, "field is required when none of the other restriction fields are present")
    array_of("decision_visibility", VISIBILITY)
    if "DECISION_VISIBILITY_OTHER" in (s.get("decision_visibility") or []):
        text("decision_visibility_other", 500, required=True)
    one_of("decision_monetary", MONETARY)
    if s.get("decision_monetary") == "DECISION_MONETARY_OTHER":
        text("decision_monetary_other", 500, required=True)
    one_of("decision_provision", PROVISION)
    one_of("decision_account", ACCOUNT)
    one_of("account_type", ACCOUNT_TYPE)
    array_of("category_specification", KEYWORD)
    text("category_specification_other", 500)

    one_of("decision_ground", GROUND, required=True)
    url = s.get("decision_ground_reference_url")
    if url is not None and (not isinstance(url, str) or not re.match(r"^https?://\S+$", url) or len(url) > 500):
        bad("decision_ground_reference_url", "must be a valid URL")
    if s.get("decision_ground") == "DECISION_GROUND_ILLEGAL_CONTENT":
        text("illegal_content_legal_ground", 500, required=True)
        text("illegal_content_explanation", 2000, required=True)
    if s.get("decision_ground") == "DECISION_GROUND_INCOMPATIBLE_CONTENT":
        text("incompatible_content_ground", 500, required=True)
        text("incompatible_content_explanation", 2000, required=True)
        one_of("incompatible_content_illegal", YES_NO)

    array_of("content_type", CONTENT_TYPE, required=True)
    if "CONTENT_TYPE_OTHER" in (s.get("content_type") or []):
        text("content_type_other", 500, required=True)
    one_of("category", CATEGORY, required=True)
    array_of("category_addition", CATEGORY)
    # The documentation calls it required (the validation code lets it be empty); taken as documented.
    array_of("territorial_scope", COUNTRIES, required=True)

    for field, low in (("content_date", "2000-01-01"), ("application_date", "2020-01-01")):
        if s.get(field) is None:
            bad(field, "field is required")
        elif problem := _day(s[field], low):
            bad(field, problem)
    for kind in ("account", "monetary", "service", "visibility"):
        field = f"end_date_{kind}_restriction"
        if s.get(field) is None:
            continue
        if problem := _day(s[field], "2000-01-01"):
            bad(field, problem)
        elif isinstance(s.get("application_date"), str) and s[field] < s["application_date"]:
            bad(field, "must be a date after or equal to the application date")

    text("decision_facts", 5000, required=True)
    one_of("source_type", SOURCE, required=True)
    text("source_identity", 500)
    one_of("automated_detection", YES_NO, required=True)
    one_of("automated_decision", AUTOMATED_DECISION, required=True)
    text("puid", 500, required=True)
    if isinstance(s.get("puid"), str) and not PUID.match(s["puid"]):
        bad("puid", "format is invalid")
    return errors


class DsaDatabase:
    """The batch and single endpoints on 127.0.0.1, with a token, puid uniqueness and forced failures."""

    def __init__(self, token: str = "dsa-token", fail_first: int = 0):
        self.token = token
        self.fail_first = fail_first
        self.stored: dict[str, dict] = {}  # puid -> statement, as the database keeps them
        self.requests: list[tuple[str, int, int]] = []  # (path, statements in the request, status answered)
        self.duplicates_refused = 0
        self._lock = threading.Lock()
        database = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                raw = self.rfile.read(int(self.headers.get("Content-Length", 0)))
                status, answer, count = database.handle(self.path, self.headers.get("Authorization", ""), raw)
                with database._lock:
                    database.requests.append((self.path, count, status))
                body = json.dumps(answer).encode()
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        base = f"http://127.0.0.1:{self.server.server_address[1]}"
        self.batch_url = f"{base}/api/v1/statements"
        self.single_url = f"{base}/api/v1/statement"
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    def start(self) -> "DsaDatabase":
        self.thread.start()
        return self

    def stop(self) -> None:
        self.server.shutdown()
        self.server.server_close()

    def handle(self, path: str, authorization: str, raw: bytes) -> tuple[int, dict, int]:
        """Return (status, answer, number of statements in the request)."""
        if authorization != f"Bearer {self.token}":
            return 401, {"message": "Unauthenticated."}, 0
        try:
            payload = json.loads(raw)
        except ValueError:
            return 422, {"message": "invalid JSON", "errors": {}}, 0
        with self._lock:
            if self.fail_first > 0:
                self.fail_first -= 1
                return 500, {"message": "Server Error"}, 0
            if path.endswith("/statements"):
                items = payload.get("statements") if isinstance(payload, dict) else None
                if not isinstance(items, list) or not 1 <= len(items) <= 100:
                    return 422, {"message": "statements must be an array of 1 to 100", "errors": {}}, 0
            elif path.endswith("/statement"):
                items = [payload]
            else:
                return 404, {"message": "Not Found"}, 0
            errors = {f"statement_{i}": e for i, item in enumerate(items) if (e := validate(item))}
            if errors:
                if path.endswith("/statement"):
                    errors = errors["statement_0"]
                return 422, {"message": "The given data was invalid.", "errors": errors}, len(items)
            puids = [item["puid"] for item in items]
            existing = sorted({p for p in puids if p in self.stored} | {p for p in puids if puids.count(p) > 1})
            if existing:
                self.duplicates_refused += len(existing)
                message = "The identifier given is not unique within this platform."
                return 422, {"message": message, "errors": {"puid": [message], "existing_puids": existing}}, len(items)
            created = []
            for item in items:
                self.stored[item["puid"]] = item
                created.append(item | {"uuid": str(uuid.uuid4()), "platform_name": "Plaint demo"})
            if path.endswith("/statement"):
                return 201, created[0], 1
            return 201, {"statements": created}, len(items)
