"""Copy the rows of the public data sets that the project uses into support/assistant/data/public.

Run once per source update: ``python manage.py import_intent_data --source DIR``. The copies
are committed, so training and evaluation need only the repository. Everything here is
deterministic (sorted inputs, string-seeded generators): the same sources give the same files.

What is copied and why is described in support/assistant/data/LICENSES.md.
"""

import csv
import hashlib
import json
import random
import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from pathlib import Path

SEED = "kerala-sellers-intents-2026"
HELDOUT_FRACTION = 0.2
TRAIN_PER_BITEXT_INTENT = 300
CLINC_PER_UNRELATED_INTENT = 8
DRAVIDIAN_TRAIN = {"latin": 1800, "malayalam": 350, "mixed": 350}
DAKSHINA_TRAIN = 2000
DAKSHINA_TEST = 1000
MAX_COMMENT_CHARS = 300

# Bitext intent -> ours. Left out (no intent of ours fits, so they are neither trained nor
# evaluated): place_order, change_order, review.
BITEXT_INTENTS = {
    "track_order": "order_status",
    "cancel_order": "cancel_order",
    "check_cancellation_fee": "cancel_order",
    "get_refund": "refund",
    "track_refund": "refund",
    "check_refund_policy": "refund",
    "check_payment_methods": "payment",
    "payment_issue": "payment",
    "check_invoice": "payment",
    "get_invoice": "payment",
    "delivery_period": "delivery",
    "delivery_options": "delivery",
    "set_up_shipping_address": "delivery",
    "change_shipping_address": "delivery",
    "create_account": "account",
    "delete_account": "account",
    "edit_account": "account",
    "switch_account": "account",
    "recover_password": "account",
    "registration_problems": "account",
    "newsletter_subscription": "account",
    "complaint": "complaint",
    "contact_customer_service": "contact",  # borderline for escalation
    "contact_human_agent": "escalation",
}

CLINC_INTENTS = {
    "greeting": "greeting",
    "thank_you": "thanks",
    "goodbye": "thanks",
    "order_status": "order_status",
    "are_you_a_bot": "out_of_scope",  # a hard negative for escalation
    "oos": "out_of_scope",
}
# CLINC intents far from a shop's support (a few rows each become out_of_scope). Banking,
# credit-card and "order"/"cancel" intents are left out: they overlap payment and orders.
_CLINC_UNRELATED = (
    "alarm calendar calories car_rental carry_on change_accent change_ai_name "
    "change_speed change_volume cook_time current_location date definition directions "
    "distance do_you_have_pets exchange_rate find_phone flight_status flip_coin food_last "
    "fun_fact gas gas_type how_busy how_old_are_you improve_credit_score "
    "ingredient_substitution ingredients_list insurance international_visa jump_start "
    "last_maintenance lost_luggage meal_suggestion meaning_of_life measurement_conversion "
    "meeting_schedule mpg next_holiday next_song nutrition_info oil_change_how "
    "oil_change_when play_music plug_type pto_balance pto_request recipe reminder "
    "restaurant_reservation restaurant_reviews restaurant_suggestion roll_dice "
    "schedule_maintenance schedule_meeting share_location smart_home spelling sync_device "
    "taxes tell_joke time timer timezone tire_change tire_pressure todo_list traffic "
    "translate travel_alert travel_suggestion uber update_playlist vaccines weather "
    "what_are_your_hobbies what_can_i_ask_you what_is_your_name what_song "
    "where_are_you_from whisper_mode who_do_you_work_for who_made_you"
)
CLINC_UNRELATED = _CLINC_UNRELATED.split()

# Values for Bitext's {{...}} placeholders, as a Kerala Sellers customer would write them.
_FILLERS: dict[str, Sequence[str]] = {
    "Order Number": ("KS-10023", "KS-48213", "KS-77120", "KS-30981", "10023", "48213"),
    "Person Name": ("Anu", "Biju", "Fathima", "Rahul Nair", "Sreeja", "Joseph", "Meera"),
    "Account Type": ("Premium", "Seller", "Business", "Standard", "Gold", "Free"),
    "Account Category": ("Premium", "Seller", "Business", "Standard", "Platinum", "Basic"),
    "Refund Amount": ("1,499", "250", "3,200", "799", "12,000", "560"),
    "Currency Symbol": ("₹", "Rs ", "Rs.", "INR "),
    "Delivery City": ("Kochi", "Thrissur", "Kozhikode", "Kannur", "Kollam", "Palakkad"),
    "Delivery Country": ("India", "the UAE", "Qatar", "Oman", "Saudi Arabia"),
    "Invoice Number": ("INV-20231", "INV-88012", "40771"),
}
_PLACEHOLDER = re.compile(r"\{\{\s*([^}]+?)\s*\}\}")


def key(text: str) -> str:
    """Duplicate detection: case, spacing and end punctuation do not make a new text."""
    return re.sub(r"\s+", " ", text.lower()).strip(" .?!")


def fill_placeholders(text: str) -> str:
    rng = random.Random(f"{SEED}:{text}")

    def fill(match: re.Match[str]) -> str:
        values = _FILLERS.get(match.group(1))
        return rng.choice(values) if values else ""

    return re.sub(r"\s+", " ", _PLACEHOLDER.sub(fill, text)).strip()


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _write(path: Path, header: Sequence[str], rows: Iterable[Sequence[str]]) -> int:
    count = 0
    with path.open("w", newline="", encoding="utf-8") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(header)
        for row in rows:
            writer.writerow(row)
            count += 1
    return count


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as source:
        return list(csv.DictReader(source))


def _shuffled(items: Iterable[str], label: str) -> list[str]:
    ordered = sorted(items)
    random.Random(f"{SEED}:{label}").shuffle(ordered)
    return ordered


def import_bitext(source: Path, out: Path) -> dict[str, int]:
    """Pool both Bitext releases, drop duplicates, split per intent into train and held-out."""
    texts: dict[str, dict[str, str]] = defaultdict(dict)  # bitext intent -> key -> text
    owners: dict[str, set[str]] = defaultdict(set)  # key -> intents that use it
    for name in ("bitext_cs_27k_instruction_intent.csv", "bitext_cs_official_v2_4514.csv"):
        for row in _read(source / name):
            text, intent = row["instruction"].strip(), row["intent"]
            if intent in BITEXT_INTENTS and text:
                texts[intent].setdefault(key(text), text)
                owners[key(text)].add(intent)
    train: list[tuple[str, str, str]] = []
    heldout: list[tuple[str, str, str]] = []
    for intent in sorted(texts):
        # A text filed under two intents teaches nothing; leave it out of both splits.
        keys = [k for k in texts[intent] if len(owners[k]) == 1]
        keys = _shuffled(keys, f"bitext:{intent}")
        cut = round(len(keys) * HELDOUT_FRACTION)
        for split, chosen in ((heldout, keys[:cut]), (train, keys[cut:])):
            if split is train:
                chosen = chosen[:TRAIN_PER_BITEXT_INTENT]
            for k in sorted(chosen):
                split.append((fill_placeholders(texts[intent][k]), BITEXT_INTENTS[intent], intent))
    header = ("text", "intent", "source_intent")
    return {
        "bitext_train": _write(out / "bitext_train.csv", header, train),
        "bitext_heldout": _write(out / "bitext_heldout.csv", header, heldout),
    }


def import_clinc(source: Path, out: Path) -> dict[str, int]:
    data = json.loads((source / "clinc150_data_full.json").read_text(encoding="utf-8"))
    by_intent: dict[str, set[str]] = defaultdict(set)
    for split in ("train", "val", "oos_train", "oos_val"):
        for text, intent in data[split]:
            by_intent[intent].add(text.strip())
    train: list[tuple[str, str, str]] = []
    for intent in sorted(CLINC_INTENTS):
        train += [(t, CLINC_INTENTS[intent], intent) for t in sorted(by_intent[intent])]
    for intent in sorted(CLINC_UNRELATED):
        chosen = _shuffled(by_intent[intent], f"clinc:{intent}")[:CLINC_PER_UNRELATED_INTENT]
        train += [(t, "out_of_scope", intent) for t in sorted(chosen)]
    negatives = sorted(
        {
            (t.strip(), i)
            for t, i in data["test"] + data["oos_test"]
            if i in ("are_you_a_bot", "oos")
        }
    )
    return {
        "clinc_train": _write(out / "clinc_train.csv", ("text", "intent", "source_intent"), train),
        "clinc_negatives": _write(
            out / "clinc_negatives.csv", ("text", "source_intent"), negatives
        ),
    }


def import_hint3(source: Path, out: Path) -> dict[str, int]:
    rows = [
        (r["bot"], r["sentence"].strip(), r["label"])
        for r in _read(source / "hint3_v2_all.csv")
        if r["split"] == "test" and r["sentence"].strip()
    ]
    return {"hint3_test": _write(out / "hint3_test.csv", ("bot", "text", "label"), rows)}


def import_dravidian(source: Path, out: Path) -> dict[str, int]:
    """YouTube comments: the test split is kept whole, a sample of the train split is used."""
    rows: dict[str, dict[str, str]] = {}
    test_keys: set[str] = set()
    for name in ("dravidiancodemix_mal_offensive.csv", "dravidiancodemix_mal_sentiment.csv"):
        for row in _read(source / name):
            text = re.sub(r"\s+", " ", row["text"]).strip()
            if not text or len(text) > MAX_COMMENT_CHARS:
                continue
            k = key(text)
            if "test" in row["split"]:
                test_keys.add(k)
            rows.setdefault(k, {"text": text, "script": row["script"], "label": row["label"]})
    header = ("text", "script", "label")
    test = [rows[k] for k in sorted(test_keys)]
    train: list[dict[str, str]] = []
    for script, count in sorted(DRAVIDIAN_TRAIN.items()):
        pool = [k for k in rows if k not in test_keys and rows[k]["script"] == script]
        train += [rows[k] for k in sorted(_shuffled(pool, f"dravidian:{script}")[:count])]
    return {
        "dravidian_train": _write(
            out / "dravidian_train.csv", header, ([r[h] for h in header] for r in train)
        ),
        "dravidian_test": _write(
            out / "dravidian_test.csv", header, ([r[h] for h in header] for r in test)
        ),
    }


def import_dakshina(source: Path, out: Path) -> dict[str, int]:
    rows = _read(source / "dakshina_ml_romanized_dev_test.csv")
    pairs: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for row in rows:
        pairs[row["split"]].append((row["native_malayalam"], row["romanized_manglish"]))
    train = _shuffled((r for _, r in pairs["dev"]), "dakshina:dev")[:DAKSHINA_TRAIN]
    test_index = _shuffled((str(i) for i in range(len(pairs["test"]))), "dakshina:test")
    test = [pairs["test"][int(i)] for i in sorted(test_index[:DAKSHINA_TEST], key=int)]
    return {
        "dakshina_train": _write(out / "dakshina_train.csv", ("text",), ((t,) for t in train)),
        "dakshina_test": _write(out / "dakshina_test.csv", ("native", "text"), test),
    }


SOURCES = (
    "bitext_cs_27k_instruction_intent.csv",
    "bitext_cs_official_v2_4514.csv",
    "clinc150_data_full.json",
    "hint3_v2_all.csv",
    "dravidiancodemix_mal_offensive.csv",
    "dravidiancodemix_mal_sentiment.csv",
    "dakshina_ml_romanized_dev_test.csv",
)


def import_all(source: Path, out: Path) -> dict[str, int]:
    out.mkdir(parents=True, exist_ok=True)
    counts: dict[str, int] = {}
    for step in (import_bitext, import_clinc, import_hint3, import_dravidian, import_dakshina):
        counts.update(step(source, out))
    manifest = {
        "seed": SEED,
        "heldout_fraction": HELDOUT_FRACTION,
        "train_per_bitext_intent": TRAIN_PER_BITEXT_INTENT,
        "sources_sha256": {name: sha256(source / name) for name in SOURCES},
        "rows": counts,
    }
    (out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return counts
