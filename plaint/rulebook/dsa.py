"""The rulebook's [dsa] section: how decisions and measures are told to the EU DSA Transparency Database.

The enumerations are those of the database's API (`POST /api/v1/statement`, schema of 1 July 2025),
as its documentation lists them; the section's values are checked against them when Plaint starts,
so a misspelt value stops start-up instead of being refused by the database months later.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, model_validator


class Frozen(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


DecisionVisibility = Literal[
    "DECISION_VISIBILITY_CONTENT_REMOVED",
    "DECISION_VISIBILITY_CONTENT_DISABLED",
    "DECISION_VISIBILITY_CONTENT_DEMOTED",
    "DECISION_VISIBILITY_CONTENT_AGE_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_INTERACTION_RESTRICTED",
    "DECISION_VISIBILITY_CONTENT_LABELLED",
    "DECISION_VISIBILITY_OTHER",
]
DecisionMonetary = Literal["DECISION_MONETARY_SUSPENSION", "DECISION_MONETARY_TERMINATION", "DECISION_MONETARY_OTHER"]
DecisionProvision = Literal[
    "DECISION_PROVISION_PARTIAL_SUSPENSION",
    "DECISION_PROVISION_TOTAL_SUSPENSION",
    "DECISION_PROVISION_PARTIAL_TERMINATION",
    "DECISION_PROVISION_TOTAL_TERMINATION",
]
DecisionAccount = Literal["DECISION_ACCOUNT_SUSPENDED", "DECISION_ACCOUNT_TERMINATED"]
AccountType = Literal["ACCOUNT_TYPE_BUSINESS", "ACCOUNT_TYPE_PRIVATE"]
DecisionGround = Literal["DECISION_GROUND_ILLEGAL_CONTENT", "DECISION_GROUND_INCOMPATIBLE_CONTENT"]
ContentType = Literal[
    "CONTENT_TYPE_APP",
    "CONTENT_TYPE_AUDIO",
    "CONTENT_TYPE_IMAGE",
    "CONTENT_TYPE_PRODUCT",
    "CONTENT_TYPE_SYNTHETIC_MEDIA",
    "CONTENT_TYPE_TEXT",
    "CONTENT_TYPE_VIDEO",
    "CONTENT_TYPE_OTHER",
]
# The 1 July 2025 schema: STATEMENT_CATEGORY_UNSAFE_AND_ILLEGAL_PRODUCTS became
# ..._UNSAFE_AND_PROHIBITED_PRODUCTS, SCOPE_OF_PLATFORM_SERVICE became OTHER_VIOLATION_TC.
StatementCategory = Literal[
    "STATEMENT_CATEGORY_ANIMAL_WELFARE",
    "STATEMENT_CATEGORY_CONSUMER_INFORMATION",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE",
    "STATEMENT_CATEGORY_CYBER_VIOLENCE_AGAINST_WOMEN",
    "STATEMENT_CATEGORY_DATA_PROTECTION_AND_PRIVACY_VIOLATIONS",
    "STATEMENT_CATEGORY_ILLEGAL_OR_HARMFUL_SPEECH",
    "STATEMENT_CATEGORY_INTELLECTUAL_PROPERTY_INFRINGEMENTS",
    "STATEMENT_CATEGORY_NEGATIVE_EFFECTS_ON_CIVIC_DISCOURSE_OR_ELECTIONS",
    "STATEMENT_CATEGORY_NOT_SPECIFIED_NOTICE",
    "STATEMENT_CATEGORY_OTHER_VIOLATION_TC",
    "STATEMENT_CATEGORY_PROTECTION_OF_MINORS",
    "STATEMENT_CATEGORY_RISK_FOR_PUBLIC_SECURITY",
    "STATEMENT_CATEGORY_SCAMS_AND_FRAUD",
    "STATEMENT_CATEGORY_SELF_HARM",
    "STATEMENT_CATEGORY_UNSAFE_AND_PROHIBITED_PRODUCTS",
    "STATEMENT_CATEGORY_VIOLENCE",
]
# The keywords of category_specification that a marketplace's categories can use (the API knows more,
# about speech and minors, that no category of a goods marketplace maps to).
Keyword = Literal[
    "KEYWORD_AGE_SPECIFIC_RESTRICTIONS",
    "KEYWORD_COPYRIGHT_INFRINGEMENT",
    "KEYWORD_DESIGN_INFRINGEMENT",
    "KEYWORD_GEOGRAPHIC_INDICATIONS_INFRINGEMENT",
    "KEYWORD_GOODS_SERVICES_NOT_PERMITTED",
    "KEYWORD_HIDDEN_ADVERTISEMENT",
    "KEYWORD_INAUTHENTIC_LISTINGS",
    "KEYWORD_INSUFFICIENT_INFORMATION_ON_TRADERS",
    "KEYWORD_LANGUAGE_REQUIREMENTS",
    "KEYWORD_MISLEADING_INFO_CONSUMER_RIGHTS",
    "KEYWORD_MISLEADING_INFO_GOODS_SERVICES",
    "KEYWORD_NONCOMPLIANCE_PRICING",
    "KEYWORD_PATENT_INFRINGEMENT",
    "KEYWORD_PROHIBITED_PRODUCTS",
    "KEYWORD_RISK_PUBLIC_HEALTH",
    "KEYWORD_TRADEMARK_INFRINGEMENT",
    "KEYWORD_UNLAWFUL_SALE_ANIMALS",
    "KEYWORD_UNSAFE_PRODUCTS",
    "KEYWORD_VIOLATION_EU_LAW",
    "KEYWORD_VIOLATION_NATIONAL_LAW",
    "KEYWORD_OTHER",
]
SourceType = Literal[
    "SOURCE_ARTICLE_16", "SOURCE_TRUSTED_FLAGGER", "SOURCE_TYPE_OTHER_NOTIFICATION", "SOURCE_VOLUNTARY"
]
# territorial_scope: the EU and EEA states by ISO 3166-1 alpha-2, Greece as "GR" (not the EU's "EL").
Country = Literal[
    "AT", "BE", "BG", "CY", "CZ", "DE", "DK", "EE", "ES", "FI", "FR", "GR", "HR", "HU", "IE",
    "IS", "IT", "LI", "LT", "LU", "LV", "MT", "NL", "NO", "PL", "PT", "RO", "SE", "SI", "SK",
]  # fmt: skip
YesNo = Literal["Yes", "No"]

# The API's limits on free text, in characters.
OTHER_MAX = 500
GROUND_MAX = 500
EXPLANATION_MAX = 2000


class Restriction(Frozen):
    """What a measure or a remedy restricts, in the database's four restriction fields.

    `statement = false` says it restricts nothing the DSA counts (a warning; no remedy), so no
    statement of reasons is made for it; it is still written down, so nothing is left unmapped by accident.
    """

    statement: bool = True
    decision_visibility: tuple[DecisionVisibility, ...] = ()
    decision_visibility_other: str | None = Field(None, min_length=1, max_length=OTHER_MAX)
    decision_monetary: DecisionMonetary | None = None
    decision_monetary_other: str | None = Field(None, min_length=1, max_length=OTHER_MAX)
    decision_provision: DecisionProvision | None = None
    decision_account: DecisionAccount | None = None

    @model_validator(mode="after")
    def consistent(self) -> "Restriction":
        restricts = bool(
            self.decision_visibility or self.decision_monetary or self.decision_provision or self.decision_account
        )
        if self.statement and not restricts:
            raise ValueError(
                "give at least one of decision_visibility, decision_monetary, decision_provision, "
                "decision_account, or statement = false if it restricts nothing"
            )
        if not self.statement and restricts:
            raise ValueError("statement = false restricts nothing; remove the decision_* fields")
        other_visibility = "DECISION_VISIBILITY_OTHER" in self.decision_visibility
        if other_visibility != (self.decision_visibility_other is not None):
            raise ValueError(
                "decision_visibility_other: needed exactly when decision_visibility has DECISION_VISIBILITY_OTHER"
            )
        other_monetary = self.decision_monetary == "DECISION_MONETARY_OTHER"
        if other_monetary != (self.decision_monetary_other is not None):
            raise ValueError(
                "decision_monetary_other: needed exactly when decision_monetary is DECISION_MONETARY_OTHER"
            )
        if len(set(self.decision_visibility)) != len(self.decision_visibility):
            raise ValueError("decision_visibility: lists a value twice")
        return self


class DsaCategory(Frozen):
    """One rulebook category as the database classifies it, and the ground a decision in it rests on."""

    category: StatementCategory
    category_specification: tuple[Keyword, ...] = ()
    # "illegal": DECISION_GROUND_ILLEGAL_CONTENT, with legal_ground and explanation;
    # "incompatible": DECISION_GROUND_INCOMPATIBLE_CONTENT (the marketplace's terms), with
    # terms_ground and explanation.
    ground: Literal["illegal", "incompatible"]
    legal_ground: str | None = Field(None, min_length=1, max_length=GROUND_MAX)
    terms_ground: str | None = Field(None, min_length=1, max_length=GROUND_MAX)
    explanation: str = Field(min_length=1, max_length=EXPLANATION_MAX)
    # For an "incompatible" ground: whether the content is also illegal.
    also_illegal: YesNo | None = None

    @model_validator(mode="after")
    def ground_complete(self) -> "DsaCategory":
        if self.ground == "illegal":
            if self.legal_ground is None:
                raise ValueError("legal_ground: an illegal-content ground needs the law relied on")
            if self.terms_ground is not None or self.also_illegal is not None:
                raise ValueError("terms_ground, also_illegal: only for ground = 'incompatible'")
        else:
            if self.terms_ground is None:
                raise ValueError("terms_ground: an incompatible-content ground needs the terms relied on")
            if self.legal_ground is not None:
                raise ValueError("legal_ground: only for ground = 'illegal'")
        return self

    @property
    def decision_ground(self) -> str:
        return "DECISION_GROUND_ILLEGAL_CONTENT" if self.ground == "illegal" else "DECISION_GROUND_INCOMPATIBLE_CONTENT"


class Dsa(Frozen):
    """The [dsa] section (version 3 on): the mapping to the DSA Transparency Database's vocabulary."""

    territorial_scope: tuple[Country, ...] = Field(min_length=1)
    content_type: tuple[ContentType, ...] = Field(min_length=1)
    content_type_other: str | None = Field(None, min_length=1, max_length=OTHER_MAX)
    account_type: AccountType
    source_type: SourceType
    # Where the terms and the laws relied on can be read (the public rules page).
    decision_ground_reference_url: str | None = Field(None, pattern=r"^https?://\S+$", max_length=500)
    categories: dict[str, DsaCategory]
    measures: dict[str, Restriction]
    remedies: dict[str, Restriction]

    @model_validator(mode="after")
    def other_content(self) -> "Dsa":
        if ("CONTENT_TYPE_OTHER" in self.content_type) != (self.content_type_other is not None):
            raise ValueError("content_type_other: needed exactly when content_type has CONTENT_TYPE_OTHER")
        return self
