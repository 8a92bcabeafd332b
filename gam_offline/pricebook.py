"""AWS prices as data: one file per region in `gam_offline/prices/`, read and validated here.

A file holds flat `prices` (`vpc.natGateway.hour: {usd, unit, source}`), `tables` of rates
by instance type (`ec2.instance: {unit, source, rates: {m7g.large: 0.0912}}`) and the
resource types that carry no charge of their own (`free`), each with the AWS pricing page
it came from, and the date the prices were read (`as_of`). Prices move: `age_problem`
says when a file is older than `MAX_AGE_DAYS`.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator

PRICES_DIR = Path(__file__).resolve().parent / "prices"
MAX_AGE_DAYS = 180
_SOURCES = ("https://aws.amazon.com/", "https://docs.aws.amazon.com/")


class PriceFileError(ValueError):
    """A price file that is missing or malformed; the message names the file and each key."""


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


def _aws_page(url: str) -> str:
    if not url.startswith(_SOURCES):
        raise ValueError(f"{url!r} is not an AWS pricing or documentation page")
    return url


class Price(_Strict):
    usd: float = Field(ge=0)
    unit: str
    source: str
    note: str = ""

    _source = field_validator("source")(_aws_page)


class Table(_Strict):
    unit: str
    source: str
    note: str = ""
    rates: dict[str, float]

    _source = field_validator("source")(_aws_page)

    @field_validator("rates")
    @classmethod
    def _positive(cls, rates: dict[str, float]) -> dict[str, float]:
        bad = sorted(name for name, usd in rates.items() if usd <= 0)
        if bad:
            raise ValueError(f"rates must be above 0: {bad}")
        return rates


class Free(_Strict):
    source: str
    note: str

    _source = field_validator("source")(_aws_page)


class PriceBook(_Strict):
    region: str
    currency: Literal["USD"]
    as_of: date
    hours_per_month: float = Field(gt=0)
    prices: dict[str, Price]
    tables: dict[str, Table]
    free: dict[str, Free]

    def price(self, key: str) -> Price:
        try:
            return self.prices[key]
        except KeyError:
            raise KeyError(f"no price {key!r} in the {self.region} price file") from None

    def rate(self, table: str, name: str) -> float:
        """The rate of `name` (an instance type or class) in `table`."""
        if table not in self.tables:
            raise KeyError(f"no table {table!r} in the {self.region} price file")
        rates = self.tables[table].rates
        if name not in rates:
            raise KeyError(f"{name!r} is not in the {self.region} price table {table}")
        return rates[name]


def load(region: str, folder: Path = PRICES_DIR) -> PriceBook:
    path = folder / f"{region}.yaml"
    if not path.is_file():
        known = sorted(p.stem for p in folder.glob("*.yaml"))
        raise PriceFileError(
            f"no price file for region {region} ({path}); prices exist for {known}: "
            f"add {path.name} with the same keys"
        )
    try:
        document = yaml.safe_load(path.read_text())
    except yaml.YAMLError as error:
        raise PriceFileError(f"{path} is not YAML: {' '.join(str(error).split())}") from None
    return parse(document, str(path))


def parse(document: object, name: str = "price file") -> PriceBook:
    try:
        return PriceBook.model_validate(document)
    except ValidationError as error:
        problems = [
            f"  {'.'.join(str(p) for p in item['loc'])}: {item['msg']}" for item in error.errors()
        ]
        raise PriceFileError(
            f"{name} has {len(problems)} problem(s):\n" + "\n".join(problems)
        ) from None


def age_problem(book: PriceBook, today: date) -> str | None:
    """What to do when `book` is older than `MAX_AGE_DAYS` on `today`, else None."""
    age = (today - book.as_of).days
    if age <= MAX_AGE_DAYS:
        return None
    return (
        f"the {book.region} prices were read on {book.as_of}, {age} days ago (more than "
        f"{MAX_AGE_DAYS}): refresh gam_offline/prices/{book.region}.yaml from the AWS pages "
        "it names, then update as_of"
    )
