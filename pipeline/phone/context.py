"""What the phone system tells the batch about an inbox: its CDR and who the sellers are.

Both files are optional. By default they are looked for anywhere inside the
recordings folder — `Master.csv` (Asterisk writes it to /var/log/asterisk/cdr-csv/,
sites copy it next to the recordings) and `sellers.yaml` — so dropping them into
the inbox is enough.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from pipeline.phone.cdr import CdrLoad, CdrRecord, load_cdr
from pipeline.phone.metadata import CallMetadata, call_metadata
from pipeline.phone.sellers import Seller, SellerMap, load_sellers

CDR_NAME = "Master.csv"
SELLERS_NAME = "sellers.yaml"


@dataclass(frozen=True)
class PhoneContext:
    cdr: CdrLoad | None = None
    sellers: SellerMap | None = None
    _by_uniqueid: dict[str, CdrRecord] = field(default_factory=dict, repr=False)

    def metadata(self, path: Path) -> CallMetadata:
        return call_metadata(path, self._by_uniqueid, self.sellers)

    def seller(self, name: str) -> Seller | None:
        return next((s for s in self.sellers.sellers if s.name == name), None) if self.sellers else None


def load_phone_context(recordings: Path, cdr: Path | None = None, sellers: Path | None = None) -> PhoneContext:
    """Load the CDR and the sellers map given, or found in `recordings`.

    A sellers file that is broken stops the run (MetadataError naming file and key):
    every call would be credited to the wrong seller. A CDR loads with its bad rows
    skipped and reported in `CdrLoad.skipped`.
    """
    cdr = cdr or next(iter(sorted(recordings.rglob(CDR_NAME))), None)
    sellers = sellers or next(iter(sorted(recordings.rglob(SELLERS_NAME))), None)
    loaded = load_cdr(cdr) if cdr else None
    return PhoneContext(loaded, load_sellers(sellers) if sellers else None,
                        loaded.by_uniqueid() if loaded else {})
