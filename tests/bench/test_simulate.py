"""The attack-robustness simulator: deterministic, truthful, with the documented campaigns."""

from collections import Counter, defaultdict
from dataclasses import asdict
from datetime import datetime, timedelta

import pytest

from bench.simulate import (
    ATTACKED_KINDS,
    CAMPAIGNS,
    PRODUCT_KINDS,
    World,
    WorldParams,
    simulate,
)

pytestmark = pytest.mark.filterwarnings("error")


@pytest.fixture(scope="module")
def world() -> World:
    return simulate(seed=7, n_products=200)


def test_same_seed_same_world(world: World) -> None:
    again = simulate(seed=7, n_products=200)
    assert again.reviews == world.reviews
    assert again.truth == world.truth
    assert again.products == world.products
    assert again.reviewers == world.reviewers


def test_other_seed_other_world(world: World) -> None:
    other = simulate(seed=8, n_products=200)
    assert [asdict(r) for r in other.reviews[:50]] != [asdict(r) for r in world.reviews[:50]]


def test_truth_is_a_star_rating(world: World) -> None:
    for product in world.products.values():
        assert 1.0 <= product.true_rating <= 5.0
        assert sum(product.shares) == pytest.approx(1.0)
        expected = sum(star * share for star, share in enumerate(product.shares, start=1))
        assert product.true_rating == pytest.approx(expected)


def test_reviews_have_candors_fields(world: World) -> None:
    pairs = set()
    for index, review in enumerate(world.reviews, start=1):
        assert review.review_id == index
        assert 1 <= review.rating <= 5
        created = datetime.fromisoformat(review.created_at)
        assert created.utcoffset() == timedelta(0)
        assert created <= world.now
        assert isinstance(review.verified_purchase, bool)
        assert review.helpful_votes >= 0
        assert len(review.title) <= 150 and len(review.text) <= 5000
        assert (review.product_id, review.reviewer_id) not in pairs  # one per product
        pairs.add((review.product_id, review.reviewer_id))
    dates = [review.created_at for review in world.reviews]
    assert dates == sorted(dates)  # ids follow posting time
    span = world.reviews[-1].created - world.reviews[0].created
    assert span > timedelta(days=5 * 365)


def test_every_product_kind_and_campaign_exists(world: World) -> None:
    kinds = Counter(product.kind for product in world.products.values())
    assert set(kinds) == set(PRODUCT_KINDS)
    assert kinds["promoted_burst"] == 10 and kinds["sabotaged_burst"] == 6
    assert kinds["farm_targeted"] == 10 and kinds["new_edition"] == 16
    campaigns = Counter(t.campaign for t in world.truth.values())
    assert set(campaigns) == {None, *CAMPAIGNS}


def test_fakes_only_on_attacked_products(world: World) -> None:
    expected = {
        "promoted_burst": {"promotion_burst"},
        "sabotaged_burst": {"sabotage_burst"},
        "farm_targeted": {"farm"},
    }
    for product_id, reviews in world.reviews_by_product().items():
        kind = world.products[product_id].kind
        fakes = {world.truth[r.review_id].campaign for r in reviews}
        fakes = {c for c in fakes if c in ("promotion_burst", "sabotage_burst", "farm")}
        assert fakes == expected.get(kind, set())
        assert any(not world.truth[r.review_id].is_fake for r in reviews)
    assert all(
        t.is_fake == (t.campaign in ("promotion_burst", "sabotage_burst", "farm"))
        for t in world.truth.values()
    )


def test_bursts_are_fresh_accounts_within_days(world: World) -> None:
    params = world.params
    created = {r.reviewer_id: datetime.fromisoformat(r.created_at) for r in world.reviewers}
    by_product = defaultdict(list)
    for review in world.reviews:
        if world.truth[review.review_id].campaign in ("promotion_burst", "sabotage_burst"):
            by_product[review.product_id].append(review)
            age = review.created - created[review.reviewer_id]
            assert timedelta(0) <= age <= timedelta(days=params.burst_account_age_days)
            assert world.reviewer_kinds[review.reviewer_id] == "burst"
    for reviews in by_product.values():
        span = max(r.created for r in reviews) - min(r.created for r in reviews)
        assert span <= timedelta(days=params.burst_days)
        stars = Counter(r.rating for r in reviews)
        assert set(stars) <= {4, 5} or set(stars) <= {1, 2}
        assert sum(r.verified_purchase for r in reviews) < len(reviews) / 2 + 1


def test_farms_are_aged_accounts_in_lockstep(world: World) -> None:
    created = {r.reviewer_id: datetime.fromisoformat(r.created_at) for r in world.reviewers}
    jobs = defaultdict(list)
    for review in world.reviews:
        if world.truth[review.review_id].campaign == "farm":
            jobs[review.product_id].append(review)
            account_age = world.now - created[review.reviewer_id]
            assert account_age >= timedelta(days=365 * world.params.farm_account_age_years[0])
    assert len(jobs) == 10
    crews = [frozenset(r.reviewer_id for r in reviews) for reviews in jobs.values()]
    for reviews in jobs.values():
        assert len({r.rating for r in reviews}) == 1  # the same stars
        span = max(r.created for r in reviews) - min(r.created for r in reviews)
        assert span <= timedelta(days=world.params.farm_days)
    # The same accounts review many of the same products.
    overlaps = [len(a & b) / len(a | b) for a in crews for b in crews if a != b]
    assert max(overlaps) > 0.4
    # Farm accounts have an honest-looking history too.
    farm_accounts = {rid for crew in crews for rid in crew}
    cover = {
        r.reviewer_id for r in world.reviews if world.truth[r.review_id].campaign == "farm_cover"
    }
    assert len(cover & farm_accounts) > len(farm_accounts) / 2


def test_campaign_texts_are_near_duplicates(world: World) -> None:
    def words(text: str) -> set[str]:
        return set(text.lower().split())

    def similarity(a: str, b: str) -> float:
        return len(words(a) & words(b)) / max(1, len(words(a) | words(b)))

    def close_share(campaigns: set[str | None]) -> float:
        by_product = defaultdict(list)
        for review in world.reviews:
            if world.truth[review.review_id].campaign in campaigns:
                by_product[review.product_id].append(review.text)
        close = total = 0
        for texts in by_product.values():
            for i, a in enumerate(texts[:40]):
                for b in texts[i + 1 : 40]:
                    total += 1
                    close += similarity(a, b) >= 0.5
        return close / total

    fake = close_share({"promotion_burst", "sabotage_burst", "farm"})
    honest = close_share({None})
    assert fake > 0.1
    assert fake > 10 * honest


def test_new_editions_change_the_truth(world: World) -> None:
    editions = [p for p in world.products.values() if p.kind == "new_edition"]
    assert editions and all(p.edition_at and p.previous_rating for p in editions)
    assert all(abs(p.true_rating - (p.previous_rating or 0)) > 0.05 for p in editions)
    assert all(p.edition_at is None for p in world.products.values() if p.kind != "new_edition")


def test_parameters_are_arguments() -> None:
    quiet = simulate(seed=1, n_products=100, params=WorldParams(promoted_share=0.0))
    kinds = Counter(product.kind for product in quiet.products.values())
    assert "promoted_burst" not in kinds
    assert set(ATTACKED_KINDS) - {"promoted_burst"} <= set(kinds)
