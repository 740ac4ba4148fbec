"""A review world with known truth, for measuring how well ratings resist fake-review campaigns.

`simulate(seed, n_products, params)` builds a deterministic world (same seed and
parameters, same world, bit for bit): products with a genuine opinion, honest reviewers
with histories, and fake campaigns on a subset of products. Reviews carry Candor's
fields (review_id, product_id, reviewer_id, rating, created_at as UTC ISO,
verified_purchase, helpful_votes, title, text); the truth is kept apart
(`World.truth`, `World.products`, `World.reviewer_kinds`) so a method under test can be
handed the reviews alone.

    python -m bench.simulate --seed 1 --products 500            # summary
    python -m bench.simulate --seed 1 --products 500 --out DIR  # also JSON Lines files

The world (every number below is a `WorldParams` field; none was tuned to make any
rating method look good; they are rough, documented guesses at a bookshop's reviews)
-----------------------------------------------------------------------------------

Time: six years ending at ``now`` (2025-01-01 UTC). Products launch uniformly between
the start and 60 days before ``now``.

Genuine opinion: an ordered-logit model. Each product has a quality q ~ N(0, 1);
P(stars <= k) = sigmoid(c_k - q) with cut points (-3.2, -2.4, -1.4, -0.2), which gives
a middling product shares of about 4/4/12/25/55 % for 1..5 stars (mean 4.2, like
book ratings on large shops). A per-product share w ~ Beta(1, 15) (mean 6 %) of
readers is simply unhappy and gives 1 star, which makes the J-shaped distributions real
shops show. A product's *true genuine rating* is the expected star under its current
genuine distribution.

New editions: 8 % of products (among those older than 18 months) get a new edition at
a date 30-80 % of the way through their life; its quality moves by 0.8-2.0 logits up or
down (roughly 0.3-0.8 stars). Reviews after that date follow the new distribution, and
the truth is the new distribution. 30 % of such a product's reviews come in a wave
after the new edition.

Review volume: genuine reviews per product ~ lognormal (median 25, sigma 1.2, between
1 and 3,000), so most products have a handful and a few have thousands. 60 % of a
product's reviews come in a launch wave (exponential, mean 180 days after launch), the
rest uniformly over its life.

Honest reviewers: about 3 reviews each on average, with Pareto(1.5) activity (most
write one or two, a few write dozens). Accounts: 30 % were created up to four years
before the six-year window, the rest during it; a review is written only by an
account that already exists. Each reviewer buys in the shop with a personal propensity
~ Beta (mean 65 %), which decides whether each review is a verified purchase. Helpful
votes: gamma-Poisson with mean 1.5 (shape 0.2: about two thirds of reviews get none, a
few get dozens), more for long texts and popular products. Texts: sentences picked by
sentiment from bench/text.py, lengths lognormal with a median of 200 characters; 8 %
are stock phrases ("Great read.") and 10 % of titles are empty.

Campaigns (each product gets exactly one kind; the rest are "clean"):

- promoted burst (5 % of products) / sabotaged burst (3 %): lognormal(median 15,
  sigma 0.7, 4..200) reviews within 4 days, half of the campaigns in the first weeks
  after launch, the rest at any time; 90 % give 5 stars (promotion) or 1 star
  (sabotage), the rest 4 or 2. Each from a fresh account created 0-10 days before its
  review; 10 % verified (bought, then reimbursed); helpful votes Poisson(0.2).
- farm-targeted (5 %): farms of 25 aged accounts (created 2-5 years before ``now``),
  each with 2-8 cover reviews of popular products, stars drawn from those products'
  genuine distribution at the time, 40 % verified (campaign "farm_cover", not fake: they
  do not move any rating). A farm works through 15 target products: for each, 70 % of
  its accounts post within 2 days the same star (5 for 80 % of targets, 1 otherwise);
  25 % verified; each farm review gets helpful votes from 15 % of the other
  participants (a vote ring) plus Poisson(0.2).
- near-duplicate texts: 75 % of campaign reviews render one of two templates of their
  campaign with a few words swapped; the rest are written like honest reviews.

Reviewer ids follow account creation and review ids follow posting time, as a database
would assign them, so ids leak nothing beyond account age.
"""

import argparse
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import numpy as np

from bench import text

DAY = 86_400.0
YEAR = 365.25 * DAY
STARS = np.arange(1, 6)

PRODUCT_KINDS = ("clean", "promoted_burst", "sabotaged_burst", "farm_targeted", "new_edition")
ATTACKED_KINDS = ("promoted_burst", "sabotaged_burst", "farm_targeted")
# Review campaigns. "farm_cover" reviews are posted by farm accounts to look honest: their
# stars follow the genuine distribution, so they are not fake (is_fake False).
CAMPAIGNS = ("promotion_burst", "sabotage_burst", "farm", "farm_cover")


@dataclass(frozen=True)
class WorldParams:
    """Every knob of the world; see the module docstring for what each default means."""

    now: str = "2025-01-01T00:00:00+00:00"
    years: float = 6.0
    # Genuine opinion.
    cutpoints: tuple[float, float, float, float] = (-3.2, -2.4, -1.4, -0.2)
    quality_sd: float = 1.0
    unhappy_beta: tuple[float, float] = (1.0, 15.0)
    # Review volume and timing.
    reviews_median: float = 25.0
    reviews_sigma: float = 1.2
    reviews_max: int = 3000
    launch_share: float = 0.6
    launch_decay_days: float = 180.0
    # Honest reviewers.
    reviews_per_reviewer: float = 3.0
    activity_pareto: float = 1.5
    account_before_window_share: float = 0.3
    account_before_window_years: float = 4.0
    verified_rate: float = 0.65
    verified_concentration: float = 4.0
    helpful_mean: float = 1.5
    helpful_shape: float = 0.2
    text_median_chars: float = 200.0
    text_sigma: float = 0.8
    short_text_share: float = 0.08
    empty_title_share: float = 0.1
    # New editions.
    new_edition_share: float = 0.08
    edition_min_age_days: float = 548.0
    edition_at: tuple[float, float] = (0.3, 0.8)
    edition_shift: tuple[float, float] = (0.8, 2.0)
    edition_wave_share: float = 0.3
    # Bursts from fresh accounts.
    promoted_share: float = 0.05
    sabotaged_share: float = 0.03
    burst_size_median: float = 15.0
    burst_size_sigma: float = 0.7
    burst_size_range: tuple[int, int] = (4, 200)
    burst_days: float = 4.0
    burst_at_launch_share: float = 0.5
    burst_off_star_share: float = 0.1
    burst_account_age_days: float = 10.0
    burst_verified_rate: float = 0.1
    burst_helpful_mean: float = 0.2
    # Farms of aged accounts.
    farm_targeted_share: float = 0.05
    farm_size: int = 25
    farm_targets: int = 15
    farm_account_age_years: tuple[float, float] = (2.0, 5.0)
    farm_cover_reviews: tuple[int, int] = (2, 8)
    farm_cover_verified_rate: float = 0.4
    farm_participation: float = 0.7
    farm_days: float = 2.0
    farm_promotion_share: float = 0.8
    farm_verified_rate: float = 0.25
    farm_vote_ring: float = 0.15
    farm_helpful_mean: float = 0.2
    # Campaign texts.
    fake_template_share: float = 0.75

    @property
    def now_datetime(self) -> datetime:
        return datetime.fromisoformat(self.now).astimezone(UTC)


@dataclass(frozen=True)
class Review:
    """One review, in Candor's fields (created_at: UTC ISO 8601)."""

    review_id: int
    product_id: int
    reviewer_id: int
    rating: int
    created_at: str
    verified_purchase: bool
    helpful_votes: int
    title: str
    text: str

    @property
    def created(self) -> datetime:
        return datetime.fromisoformat(self.created_at)


@dataclass(frozen=True)
class ReviewTruth:
    is_fake: bool
    campaign: str | None  # one of CAMPAIGNS, None for an honest review


@dataclass(frozen=True)
class Reviewer:
    reviewer_id: int
    created_at: str  # account creation, UTC ISO 8601


@dataclass(frozen=True)
class ProductTruth:
    product_id: int
    kind: str  # one of PRODUCT_KINDS
    true_rating: float  # expected star under the current genuine distribution
    shares: tuple[float, ...]  # current genuine star shares, 1 star first
    launched_at: str
    edition_at: str | None = None
    previous_rating: float | None = None  # before the new edition


@dataclass
class World:
    seed: int
    params: WorldParams
    now: datetime
    products: dict[int, ProductTruth]
    reviewers: list[Reviewer]
    reviewer_kinds: dict[int, str]
    reviews: list[Review]
    truth: dict[int, ReviewTruth]
    summary: dict[str, object] = field(default_factory=dict)

    def reviews_by_product(self) -> dict[int, list[Review]]:
        grouped: dict[int, list[Review]] = {pid: [] for pid in self.products}
        for review in self.reviews:
            grouped[review.product_id].append(review)
        return grouped

    def genuine(self) -> list[Review]:
        """The world as it would be without the fake reviews."""
        return [r for r in self.reviews if not self.truth[r.review_id].is_fake]


def star_shares(quality: np.ndarray, unhappy: np.ndarray, cutpoints: Sequence[float]) -> np.ndarray:
    """Genuine star shares (n x 5) for qualities and unhappy-reader shares."""
    cuts = np.asarray(cutpoints)[None, :] - np.asarray(quality)[:, None]
    below = 1.0 / (1.0 + np.exp(-cuts))  # P(stars <= k), k = 1..4
    cdf = np.concatenate([below, np.ones((below.shape[0], 1))], axis=1)
    shares = np.diff(np.concatenate([np.zeros((cdf.shape[0], 1)), cdf], axis=1), axis=1)
    shares = (1.0 - unhappy)[:, None] * shares
    shares[:, 0] += unhappy
    return shares


def expected_star(shares: np.ndarray) -> np.ndarray:
    return shares @ STARS.astype(float)


def _draw_stars(rng: np.random.Generator, shares: np.ndarray) -> np.ndarray:
    """One star per row of ``shares`` (n x 5)."""
    cdf = np.cumsum(shares, axis=1)
    u = rng.random(shares.shape[0]) * cdf[:, -1]
    return (u[:, None] >= cdf).sum(axis=1) + 1


def _iso(seconds: float) -> str:
    return datetime.fromtimestamp(round(seconds), UTC).isoformat()


@dataclass
class _Rows:
    """Reviews under construction, as parallel lists (ids assigned at the end)."""

    product: list[int] = field(default_factory=list)
    reviewer: list[int] = field(default_factory=list)  # provisional reviewer index
    rating: list[int] = field(default_factory=list)
    time: list[float] = field(default_factory=list)
    verified: list[bool] = field(default_factory=list)
    votes: list[int] = field(default_factory=list)
    title: list[str] = field(default_factory=list)
    text: list[str] = field(default_factory=list)
    campaign: list[str | None] = field(default_factory=list)

    def add(self, **values: object) -> None:
        for name, value in values.items():
            getattr(self, name).append(value)


def simulate(seed: int = 0, n_products: int = 2000, params: WorldParams | None = None) -> World:
    """Build the world for ``seed``; deterministic for equal arguments."""
    p = params or WorldParams()
    if n_products < 1:
        raise ValueError(f"n_products must be >= 1, got {n_products}")
    rng = np.random.default_rng(seed)
    now_dt = p.now_datetime
    now = now_dt.timestamp()
    start = now - p.years * YEAR

    # Products: launch, quality, kind.
    launch = rng.uniform(start, now - 60 * DAY, n_products)
    quality = rng.normal(0.0, p.quality_sd, n_products)
    unhappy = rng.beta(*p.unhappy_beta, n_products)
    n_genuine = np.clip(
        np.round(rng.lognormal(math.log(p.reviews_median), p.reviews_sigma, n_products)),
        1,
        p.reviews_max,
    ).astype(int)
    kinds = _assign_kinds(rng, p, n_products, now - launch)

    edition_at = np.full(n_products, np.nan)
    new_quality = quality.copy()
    is_edition = kinds == "new_edition"
    n_ed = int(is_edition.sum())
    edition_at[is_edition] = launch[is_edition] + rng.uniform(*p.edition_at, n_ed) * (
        now - launch[is_edition]
    )
    new_quality[is_edition] += rng.choice([-1.0, 1.0], n_ed) * rng.uniform(*p.edition_shift, n_ed)
    old_shares = star_shares(quality, unhappy, p.cutpoints)
    new_shares = star_shares(new_quality, unhappy, p.cutpoints)

    # Genuine reviews: product, time, stars.
    g_product = np.repeat(np.arange(n_products), n_genuine)
    n_g = g_product.size
    life = now - launch[g_product]
    component = rng.random(n_g)
    wave = launch[g_product] + rng.exponential(p.launch_decay_days * DAY, n_g)
    uniform = launch[g_product] + rng.random(n_g) * life
    g_time = np.where(component < p.launch_share, wave, uniform)
    ed = edition_at[g_product]
    has_ed = ~np.isnan(ed)
    ed_wave = np.where(has_ed, ed, 0.0) + rng.exponential(p.launch_decay_days * DAY, n_g)
    use_ed_wave = has_ed & (rng.random(n_g) < p.edition_wave_share)
    g_time = np.where(use_ed_wave, ed_wave, g_time)
    late = g_time > now
    g_time[late] = launch[g_product[late]] + rng.random(int(late.sum())) * life[late]
    after_edition = has_ed & (g_time >= np.where(has_ed, ed, np.inf))
    g_shares = np.where(after_edition[:, None], new_shares[g_product], old_shares[g_product])
    g_rating = _draw_stars(rng, g_shares)

    # Honest reviewers: accounts, activity, assignment to reviews.
    n_honest = max(1, math.ceil(n_g / p.reviews_per_reviewer))
    before = rng.random(n_honest) < p.account_before_window_share
    h_created = np.where(
        before,
        start - rng.random(n_honest) * p.account_before_window_years * YEAR,
        rng.uniform(start, now, n_honest),
    )
    h_created.sort()
    activity = rng.pareto(p.activity_pareto, n_honest) + 1.0
    g_reviewer = _assign_reviewers(rng, g_product, g_time, h_created, activity)
    keep = g_reviewer >= 0
    g_product, g_time, g_rating, g_reviewer = (
        g_product[keep],
        g_time[keep],
        g_rating[keep],
        g_reviewer[keep],
    )
    propensity = rng.beta(
        p.verified_rate * p.verified_concentration,
        (1 - p.verified_rate) * p.verified_concentration,
        n_honest,
    )
    g_verified = rng.random(g_product.size) < propensity[g_reviewer]

    rows = _Rows()
    popularity = (n_genuine / p.reviews_median) ** 0.25
    for i in range(g_product.size):
        rating = int(g_rating[i])
        body = text.honest_text(rng, rating, p.text_median_chars, p.text_sigma, p.short_text_share)
        mean_votes = p.helpful_mean * popularity[g_product[i]] * math.sqrt(len(body) / 200.0)
        votes = rng.poisson(rng.gamma(p.helpful_shape, mean_votes / p.helpful_shape))
        rows.add(
            product=int(g_product[i]),
            reviewer=int(g_reviewer[i]),
            rating=rating,
            time=float(g_time[i]),
            verified=bool(g_verified[i]),
            votes=int(votes),
            title=text.honest_title(rng, rating, p.empty_title_share),
            text=body,
            campaign=None,
        )

    account_created: list[float] = list(h_created)
    account_kind: list[str] = ["honest"] * n_honest

    _add_bursts(rng, p, kinds, launch, now, rows, account_created, account_kind)
    _add_farms(
        rng,
        p,
        kinds,
        launch,
        now,
        n_genuine,
        (old_shares, new_shares, edition_at),
        rows,
        account_created,
        account_kind,
    )

    return _assemble(
        seed,
        p,
        now_dt,
        rng,
        kinds,
        launch,
        edition_at,
        old_shares,
        new_shares,
        rows,
        account_created,
        account_kind,
    )


def _assign_kinds(
    rng: np.random.Generator, p: WorldParams, n: int, age_seconds: np.ndarray
) -> np.ndarray:
    kinds = np.full(n, "clean", dtype=object)
    order = rng.permutation(n)
    old_enough = [i for i in order if age_seconds[i] >= p.edition_min_age_days * DAY]
    n_ed = min(len(old_enough), round(p.new_edition_share * n))
    taken = set(old_enough[:n_ed])
    for i in taken:
        kinds[i] = "new_edition"
    rest = [i for i in order if i not in taken]
    cursor = 0
    for kind, share in (
        ("promoted_burst", p.promoted_share),
        ("sabotaged_burst", p.sabotaged_share),
        ("farm_targeted", p.farm_targeted_share),
    ):
        count = round(share * n)
        for i in rest[cursor : cursor + count]:
            kinds[i] = kind
        cursor += count
    return kinds


def _assign_reviewers(
    rng: np.random.Generator,
    product: np.ndarray,
    when: np.ndarray,
    created_sorted: np.ndarray,
    activity: np.ndarray,
) -> np.ndarray:
    """A reviewer index per review: an account existing then, chosen by activity.

    One review per reviewer and product: clashes are redrawn a few times, then dropped (-1).
    """
    cum = np.cumsum(activity)
    eligible = np.searchsorted(created_sorted, when, side="right")
    reviewer = np.full(product.size, -1)
    todo = np.flatnonzero(eligible > 0)
    for _ in range(20):
        if todo.size == 0:
            break
        u = rng.random(todo.size) * cum[eligible[todo] - 1]
        reviewer[todo] = np.minimum(np.searchsorted(cum, u, side="right"), eligible[todo] - 1)
        key = product * (created_sorted.size + 1) + reviewer
        key = np.where(reviewer >= 0, key, -1 - np.arange(product.size))
        _, first = np.unique(key, return_index=True)
        duplicate = np.ones(product.size, dtype=bool)
        duplicate[first] = False
        todo = np.flatnonzero(duplicate)
    reviewer[todo] = -1
    return reviewer


def _add_bursts(
    rng: np.random.Generator,
    p: WorldParams,
    kinds: np.ndarray,
    launch: np.ndarray,
    now: float,
    rows: _Rows,
    account_created: list[float],
    account_kind: list[str],
) -> None:
    low, high = p.burst_size_range
    for product in np.flatnonzero((kinds == "promoted_burst") | (kinds == "sabotaged_burst")):
        promotion = kinds[product] == "promoted_burst"
        size = int(
            np.clip(
                round(rng.lognormal(math.log(p.burst_size_median), p.burst_size_sigma)), low, high
            )
        )
        latest = now - p.burst_days * DAY
        if rng.random() < p.burst_at_launch_share:
            t0 = launch[product] + rng.exponential(30 * DAY)
        else:
            t0 = rng.uniform(launch[product], latest)
        t0 = min(t0, latest)
        scripts, titles = text.campaign_script(rng, promotion)
        main_star, off_star = (5, 4) if promotion else (1, 2)
        for _ in range(size):
            when = t0 + rng.random() * p.burst_days * DAY
            account = len(account_created)
            account_created.append(when - rng.random() * p.burst_account_age_days * DAY)
            account_kind.append("burst")
            rating = off_star if rng.random() < p.burst_off_star_share else main_star
            title, body = _fake_text(rng, p, scripts, titles, rating)
            rows.add(
                product=int(product),
                reviewer=account,
                rating=rating,
                time=when,
                verified=bool(rng.random() < p.burst_verified_rate),
                votes=int(rng.poisson(p.burst_helpful_mean)),
                title=title,
                text=body,
                campaign="promotion_burst" if promotion else "sabotage_burst",
            )


def _fake_text(
    rng: np.random.Generator,
    p: WorldParams,
    scripts: list[text.Template],
    titles: list[text.Template],
    rating: int,
) -> tuple[str, str]:
    if rng.random() < p.fake_template_share:
        script = scripts[int(rng.integers(len(scripts)))]
        title = titles[int(rng.integers(len(titles)))]
        return title.render(rng), script.render(rng)
    return (
        text.honest_title(rng, rating, p.empty_title_share),
        text.honest_text(rng, rating, p.text_median_chars, p.text_sigma, p.short_text_share),
    )


def _add_farms(
    rng: np.random.Generator,
    p: WorldParams,
    kinds: np.ndarray,
    launch: np.ndarray,
    now: float,
    n_genuine: np.ndarray,
    opinion: tuple[np.ndarray, np.ndarray, np.ndarray],
    rows: _Rows,
    account_created: list[float],
    account_kind: list[str],
) -> None:
    old_shares, new_shares, edition_at = opinion
    targets = np.flatnonzero(kinds == "farm_targeted")
    if targets.size == 0:
        return
    n_farms = math.ceil(targets.size / p.farm_targets)
    popular = n_genuine / n_genuine.sum()
    for farm_targets in np.array_split(rng.permutation(targets), n_farms):
        accounts = []
        for _ in range(p.farm_size):
            age = rng.uniform(*p.farm_account_age_years) * YEAR
            accounts.append(len(account_created))
            account_created.append(now - age)
            account_kind.append("farm")
        # Cover: honest-looking reviews of popular products, stars as genuine readers give.
        for account in accounts:
            created = account_created[account]
            n_cover = int(rng.integers(p.farm_cover_reviews[0], p.farm_cover_reviews[1] + 1))
            chosen = rng.choice(popular.size, size=n_cover, replace=False, p=popular)
            for product in chosen:
                if product in farm_targets:
                    continue
                when = rng.uniform(max(created, launch[product]), now)
                after = not np.isnan(edition_at[product]) and when >= edition_at[product]
                shares = (new_shares if after else old_shares)[product]
                rating = int(_draw_stars(rng, shares[None, :])[0])
                rows.add(
                    product=int(product),
                    reviewer=account,
                    rating=rating,
                    time=when,
                    verified=bool(rng.random() < p.farm_cover_verified_rate),
                    votes=int(rng.poisson(p.helpful_mean * 0.5)),
                    title=text.honest_title(rng, rating, p.empty_title_share),
                    text=text.honest_text(
                        rng, rating, p.text_median_chars, p.text_sigma, p.short_text_share
                    ),
                    campaign="farm_cover",
                )
        # Jobs: the same accounts, the same star, within a couple of days.
        oldest_ready = max(account_created[a] for a in accounts) + 30 * DAY
        for product in farm_targets:
            promotion = rng.random() < p.farm_promotion_share
            star = 5 if promotion else 1
            latest = now - p.farm_days * DAY
            t0 = rng.uniform(min(max(launch[product], oldest_ready), latest), latest)
            scripts, titles = text.campaign_script(rng, promotion)
            crew = [a for a in accounts if rng.random() < p.farm_participation]
            if len(crew) < 3:
                crew = list(rng.choice(accounts, size=3, replace=False))
            for account in crew:
                title, body = _fake_text(rng, p, scripts, titles, star)
                ring = int(rng.binomial(len(crew) - 1, p.farm_vote_ring))
                rows.add(
                    product=int(product),
                    reviewer=int(account),
                    rating=star,
                    time=t0 + rng.random() * p.farm_days * DAY,
                    verified=bool(rng.random() < p.farm_verified_rate),
                    votes=ring + int(rng.poisson(p.farm_helpful_mean)),
                    title=title,
                    text=body,
                    campaign="farm",
                )


def _assemble(
    seed: int,
    p: WorldParams,
    now_dt: datetime,
    rng: np.random.Generator,
    kinds: np.ndarray,
    launch: np.ndarray,
    edition_at: np.ndarray,
    old_shares: np.ndarray,
    new_shares: np.ndarray,
    rows: _Rows,
    account_created: list[float],
    account_kind: list[str],
) -> World:
    n_products = kinds.size
    # Product ids: a random order, so ids say nothing about kind.
    product_ids = rng.permutation(n_products) + 1
    # Reviewer ids: in order of account creation; only accounts that wrote something.
    used = sorted(set(rows.reviewer))
    used.sort(key=lambda a: (account_created[a], a))
    reviewer_id = {account: i + 1 for i, account in enumerate(used)}
    reviewers = [Reviewer(reviewer_id[a], _iso(account_created[a])) for a in used]
    reviewer_kinds = {reviewer_id[a]: account_kind[a] for a in used}

    order = sorted(range(len(rows.time)), key=lambda i: (rows.time[i], rows.product[i], i))
    reviews: list[Review] = []
    truth: dict[int, ReviewTruth] = {}
    for review_id, i in enumerate(order, start=1):
        reviews.append(
            Review(
                review_id=review_id,
                product_id=int(product_ids[rows.product[i]]),
                reviewer_id=reviewer_id[rows.reviewer[i]],
                rating=rows.rating[i],
                created_at=_iso(rows.time[i]),
                verified_purchase=rows.verified[i],
                helpful_votes=rows.votes[i],
                title=rows.title[i],
                text=rows.text[i],
            )
        )
        campaign = rows.campaign[i]
        truth[review_id] = ReviewTruth(
            is_fake=campaign in ("promotion_burst", "sabotage_burst", "farm"), campaign=campaign
        )

    current = expected_star(new_shares)
    previous = expected_star(old_shares)
    products: dict[int, ProductTruth] = {}
    for index in np.argsort(product_ids):
        has_edition = not np.isnan(edition_at[index])
        products[int(product_ids[index])] = ProductTruth(
            product_id=int(product_ids[index]),
            kind=str(kinds[index]),
            true_rating=float(current[index]),
            shares=tuple(float(s) for s in new_shares[index]),
            launched_at=_iso(launch[index]),
            edition_at=_iso(edition_at[index]) if has_edition else None,
            previous_rating=float(previous[index]) if has_edition else None,
        )
    world = World(seed, p, now_dt, products, reviewers, reviewer_kinds, reviews, truth)
    world.summary = summarize(world)
    return world


def summarize(world: World) -> dict[str, object]:
    kinds = Counter(product.kind for product in world.products.values())
    campaigns = Counter(t.campaign or "honest" for t in world.truth.values())
    reviews = world.reviews
    verified = sum(r.verified_purchase for r in reviews) / max(1, len(reviews))
    no_votes = sum(r.helpful_votes == 0 for r in reviews) / max(1, len(reviews))
    lengths = sorted(len(r.text) for r in reviews)
    per_reviewer = Counter(r.reviewer_id for r in reviews)
    truths = [product.true_rating for product in world.products.values()]
    return {
        "seed": world.seed,
        "products": len(world.products),
        "product_kinds": dict(sorted(kinds.items())),
        "reviews": len(reviews),
        "review_campaigns": dict(sorted(campaigns.items())),
        "reviewers": len(world.reviewers),
        "reviewer_kinds": dict(sorted(Counter(world.reviewer_kinds.values()).items())),
        "verified_share": round(verified, 3),
        "no_helpful_votes_share": round(no_votes, 3),
        "max_helpful_votes": max((r.helpful_votes for r in reviews), default=0),
        "text_chars_median": lengths[len(lengths) // 2] if lengths else 0,
        "text_chars_p99": lengths[int(len(lengths) * 0.99)] if lengths else 0,
        "reviews_per_reviewer_max": max(per_reviewer.values(), default=0),
        "true_rating_mean": round(float(np.mean(truths)), 3),
        "true_rating_range": [round(min(truths), 3), round(max(truths), 3)],
        "first_review": min((r.created_at for r in reviews), default=None),
        "last_review": max((r.created_at for r in reviews), default=None),
    }


def write_jsonl(world: World, out: Path) -> None:
    """reviews.jsonl (Candor's fields), truth.jsonl, products.jsonl, reviewers.jsonl."""
    out.mkdir(parents=True, exist_ok=True)
    with (out / "reviews.jsonl").open("w") as f:
        for review in world.reviews:
            f.write(json.dumps(asdict(review)) + "\n")
    with (out / "truth.jsonl").open("w") as f:
        for review_id, t in world.truth.items():
            f.write(json.dumps({"review_id": review_id, **asdict(t)}) + "\n")
    with (out / "products.jsonl").open("w") as f:
        for product in world.products.values():
            f.write(json.dumps(asdict(product)) + "\n")
    with (out / "reviewers.jsonl").open("w") as f:
        for reviewer in world.reviewers:
            kind = world.reviewer_kinds[reviewer.reviewer_id]
            f.write(json.dumps({**asdict(reviewer), "kind": kind}) + "\n")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--products", type=int, default=2000)
    parser.add_argument("--out", type=Path, help="directory for the JSON Lines files")
    args = parser.parse_args(argv)
    world = simulate(args.seed, args.products)
    print(json.dumps(world.summary, indent=2))
    if args.out:
        write_jsonl(world, args.out)
        print(f"wrote {args.out}/reviews.jsonl, truth.jsonl, products.jsonl, reviewers.jsonl")


if __name__ == "__main__":
    main()
