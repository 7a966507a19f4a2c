"""`sellers.yaml`: the seller behind each extension or agent id, with their segments and role.

The article assigns each seller a share of the clients by a segmentation
criterion (size, geography, industry, product, form of ownership) or a place on
the sales conveyor (scout: potential clients, hunter: prospective ones, farmer:
regular ones); results per seller need the name, not "101". Example:

    sellers:
      - name: Анна Петрова
        extensions: [101, 201]
        agent_ids: [anna.p]
        role: hunter
        segments:
          size: [large, medium]
          geography: [Москва, Химки]
          ownership: [ООО]
          products: [кирпич]

An extension or agent id of no seller is reported as "unmapped", never dropped.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, model_validator

from pipeline.phone.errors import MetadataError, validate


class _Strict(BaseModel):
    # a typo in a key must be an error; extensions written as YAML numbers are text
    model_config = ConfigDict(extra="forbid", frozen=True, coerce_numbers_to_str=True)


class Segments(_Strict):
    size: list[Literal["large", "medium", "small"]] = []
    geography: list[str] = []
    industry: list[str] = []
    products: list[str] = []
    ownership: list[str] = []  # ООО, ИП, АО, private ...


class Seller(_Strict):
    name: str = Field(min_length=1)
    extensions: list[str] = []
    agent_ids: list[str] = []
    role: Literal["scout", "hunter", "farmer"] | None = None
    segments: Segments = Segments()

    @model_validator(mode="after")
    def _reachable(self) -> Seller:
        if not (self.extensions or self.agent_ids):
            raise ValueError("give extensions or agent_ids: how calls reach this seller")
        return self


@dataclass(frozen=True)
class SellerLookup:
    status: Literal["mapped", "unmapped", "no_key"]  # no_key: the call named no extension or agent
    key: str | None  # the extension or agent id looked up
    seller: Seller | None = None

    @property
    def name(self) -> str:
        return self.seller.name if self.seller else "unknown"


class SellerMap(_Strict):
    sellers: list[Seller] = Field(min_length=1)


def find_seller(sellers: SellerMap | None, extension: str | None, agent_id: str | None = None) -> SellerLookup:
    """The seller for an agent id, else for an extension (an agent can log in at any phone).

    Without a map every key is unmapped, so the report still lists who needs mapping.
    """
    known = sellers.sellers if sellers else []
    for key, field in ((agent_id, "agent_ids"), (extension, "extensions")):
        seller = next((s for s in known if key in getattr(s, field)), None) if key else None
        if seller is not None:
            return SellerLookup("mapped", key, seller)
    key = agent_id or extension
    return SellerLookup("unmapped", key) if key else SellerLookup("no_key", None)


def _no_shared_keys(sellers: SellerMap, source: str) -> None:
    """One extension or agent id for two sellers would credit calls to the wrong one."""
    for field in ("extensions", "agent_ids"):
        owner: dict[str, int] = {}
        for i, seller in enumerate(sellers.sellers):
            for key in getattr(seller, field):
                if key in owner:
                    first = sellers.sellers[owner[key]].name
                    raise MetadataError(
                        source, f"sellers[{i}].{field}", f"{key} already belongs to sellers[{owner[key]}] ({first})"
                    )
                owner[key] = i


def load_sellers(path: str | Path) -> SellerMap:
    path = Path(path)
    try:
        data = yaml.safe_load(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise MetadataError(str(path), "file", "sellers file not found") from None
    except yaml.YAMLError as exc:
        raise MetadataError(str(path), "file", f"not valid YAML: {exc}") from None
    sellers = validate(SellerMap, data, str(path))
    _no_shared_keys(sellers, str(path))
    return sellers
