"""The WCVRPTW reader (Kim et al. 2006): the authors' worked example, format variants and malformed files."""

from __future__ import annotations

import math
from pathlib import Path

import numpy as np
import pytest

from routing.bench.errors import BenchInputError
from routing.bench.instances import WCVRPTW, find_instances, read_instance
from routing.bench.kim import (
    UNITS_PER_MILE,
    fleet_size,
    hhmm_s,
    parse_kim,
    problem_from_kim,
    published_best,
    read_kim,
)

SHARED = Path(__file__).resolve().parents[2].parent / "shared" / "benchmarks" / "wcvrptw-kim2006"

HEADER = """280.0 \t\t\t\t// vehicle capacity (yards), real number
400.0\t\t\t\t// total yardage allowed for a vehicle per day, real number
500\t\t\t\t// total number of regular stops for a vehicle allowed per day
3600\t\t\t\t// lunch time duration in second, lunch time should start between 11:00am and 12:00 pm
40\t\t\t\t// speed: MPH
Stop_ID\tX(feet)\tY(feet)\tEarly_St_Time (HHMM)\tLate_St_Time (HHMM)\tSvice_Time(Sec)\tLoad (Yards)\t"Stop_Type"
"""
# Stops 0 and 1 of the authors' 102_stop.txt (the depot and a landfill), then two customers.
ROWS = [
    ("0", "1215029.00", "3461398.00", "0400", "1500", "0", "9999.00", "0"),
    ("1", "1229125.00", "3460107.00", "0000", "2400", "1600", "9999.00", "2"),
    ("2", "1208344.00", "3469904.00", "0700", "2400", "180", "12.00", "1"),
    ("3", "1214253.00", "3472668.00", "0000", "0700", "30", "4.50", "1"),
]


def text(rows=ROWS, sep: str = "   ", newline: str = "\n", header: str = HEADER) -> str:
    body = [sep.join(r) for r in rows]
    return (header + "\n".join(body) + "\n").replace("\n", newline)


def test_authors_worked_example():
    """Stops 0 and 1: 15,387 ft = 2.914 mi apart, 262.3 s at 40 mph; the matrix keeps feet exactly, seconds up."""
    data = parse_kim(text())
    feet = data.distances_ft()
    assert feet[0, 1] == 15387
    assert round(feet[0, 1] / 5280, 3) == 2.914
    assert round(float(data.travel_s(feet[0, 1])), 1) == 262.3
    p = problem_from_kim(data, "example")
    assert p.distance_m[0, 1] / UNITS_PER_MILE == pytest.approx(15387 / 5280)
    assert p.duration_s[0, 1] == 263  # rounded up: a route the checker accepts is feasible at 262.3 s too
    assert (p.distance_m == p.distance_m.T).all()
    assert (np.diag(p.duration_s) == 0).all()


@pytest.mark.shared
def test_worked_example_on_the_published_file():
    path = SHARED / "102_stop.txt"
    if not path.exists():
        pytest.skip(f"shared instances not found at {SHARED}")
    data = parse_kim(path.read_text(encoding="utf-8"), str(path))
    assert data.distances_ft()[0, 1] == 15387
    assert round(float(data.travel_s(15387)), 1) == 262.3


def test_mapping_onto_the_problem():
    p = problem_from_kim(parse_kim(text()), "example", fleet=3)
    (vt,) = p.vehicle_types
    assert vt.count == 3
    assert vt.capacity_m3 == pytest.approx(280)
    assert vt.max_collected_m3 == pytest.approx(400)
    assert vt.max_stops == 500
    assert vt.ends_at_disposal
    assert math.isinf(vt.capacity_kg)
    assert (vt.driver_break.duration_s, vt.driver_break.earliest_start_s, vt.driver_break.latest_start_s) == (
        3600,
        11 * 3600,
        12 * 3600,
    )
    assert (vt.shift_start_s, vt.shift_end_s) == (4 * 3600, 15 * 3600)
    (site,) = p.disposal_sites
    assert (site.opens_s, site.closes_s, site.unload_s) == (0, 24 * 3600 + 1600, 1600)
    assert [s.id for s in p.stops] == ["2", "3"]
    assert p.stops[1].volume_m3 == pytest.approx(4.5)
    assert (p.stops[1].tw_start_s, p.stops[1].tw_end_s, p.stops[1].service_s) == (0, 7 * 3600, 30)


def test_format_variants_read_alike():
    """Original ids, CRLF, tabs with empty columns and HHMM without leading zeros give the same problem."""
    plain = problem_from_kim(parse_kim(text()), "x", fleet=2)
    rows = [(str(75649 + 1000 * i), *r[1:3], str(int(r[3])), str(int(r[4])), *r[5:]) for i, r in enumerate(ROWS)]
    variant = problem_from_kim(parse_kim(text(rows, sep="\t\t", newline="\r\n")), "x", fleet=2)
    assert [s.id for s in variant.stops] == ["77649", "78649"]
    assert variant.depots[0].id == "75649"
    assert (variant.distance_m == plain.distance_m).all()
    assert (variant.duration_s == plain.duration_s).all()
    for a, b in zip(plain.stops, variant.stops, strict=True):
        assert (a.tw_start_s, a.tw_end_s, a.service_s, a.volume_m3) == (
            b.tw_start_s,
            b.tw_end_s,
            b.service_s,
            b.volume_m3,
        )
    trailing = text(rows, sep="\t").replace("\n", "\t\t\t\n")  # empty tab-separated columns at the end
    assert len(parse_kim(trailing).rows) == 4


@pytest.mark.parametrize(
    ("value", "seconds"), [("600", 6 * 3600), ("0000", 0), ("2400", 86400), ("0775", 8 * 3600 + 15 * 60), ("5", 300)]
)
def test_hhmm(value, seconds):
    assert hhmm_s(value) == seconds


@pytest.mark.parametrize(
    ("mutate", "line", "field"),
    [
        (lambda t: t.replace("400.0\t", "four\t", 1), 2, "daily yardage"),
        (lambda t: t.replace("40\t", "\t", 1), 5, "speed"),
        (lambda t: t.replace("0700   2400", "07:00   2400", 1), 9, "earliest start"),
        (lambda t: t.replace("0000   0700", "0900   0700", 1), 10, "latest start"),
        (lambda t: t.replace("   4.50   1", "   1", 1), 10, "type"),
        (lambda t: t.replace("12.00   1", "12.00   5", 1), 9, "type"),
        (lambda t: t.replace("180   12.00", "1.5   12.00", 1), 9, "service"),
        (lambda t: t.replace("\n3   ", "\n2   ", 1), 10, "stop id"),
        (lambda t: t.replace("   0\n", "   1\n", 1), 10, "type"),  # no depot left
    ],
)
def test_malformed_file_names_line_and_field(mutate, line, field):
    with pytest.raises(BenchInputError) as info:
        parse_kim(mutate(text()), "bad.txt")
    message = str(info.value)
    assert f"bad.txt, line {line}, field {field}" in message, message


def test_unreadable_file(tmp_path):
    with pytest.raises(BenchInputError, match="cannot read"):
        read_kim(tmp_path / "absent.txt")


def test_fleet_covers_the_lower_bounds():
    data = parse_kim(text())
    assert fleet_size(data) >= 2 * 1 + 2


def test_bench_reads_the_family_with_published_best(tmp_path):
    (tmp_path / "9_stop.txt").write_text(text(), encoding="utf-8")
    (tmp_path / "10_stop.txt").write_text(text(), encoding="utf-8")
    (tmp_path / "bks.csv").write_text(
        "instance,customers,fewest_vehicles,distance_at_fewest_miles,source_fewest,lowest_distance_miles,"
        "vehicles_at_lowest,source_lowest\n9_stop,2,1,20.5,x,19.5,2 (probably),y\n",
        encoding="utf-8",
    )
    assert [p.name for p in find_instances(tmp_path, WCVRPTW)] == ["9_stop.txt", "10_stop.txt"]
    best = published_best(tmp_path / "9_stop.txt")
    assert (best.fewest_vehicles, best.miles_at_fewest, best.lowest_miles, best.vehicles_at_lowest) == (
        1,
        20.5,
        19.5,
        2,
    )
    by_vehicles = read_instance(tmp_path / "9_stop.txt")
    assert by_vehicles.family == WCVRPTW
    assert by_vehicles.best_known is None
    assert by_vehicles.distance_unit == "mi"
    by_distance = read_instance(tmp_path / "9_stop.txt", WCVRPTW, "distance")
    assert by_distance.best_known == 19.5
    assert by_distance.problem.vehicle_types[0].fixed_cost == 0
    assert by_vehicles.problem.vehicle_types[0].fixed_cost > 0
    with pytest.raises(BenchInputError, match="unknown objective"):
        read_instance(tmp_path / "9_stop.txt", WCVRPTW, "speed")


@pytest.mark.shared
def test_every_shared_file_reads_as_its_summary_says():
    if not SHARED.is_dir():
        pytest.skip(f"shared instances not found at {SHARED}")
    expected = {  # customers, disposal sites, total customer load (yd3): the folder README's table
        "102_stop": (99, 2, 897.0),
        "277_stop": (275, 1, 2132.5),
        "335_stop": (330, 4, 2011.0),
        "444_stop": (442, 1, 3991.3),
        "804_stop": (784, 19, 4620.0),
        "1051_stop": (1048, 2, 12695.5),
        "1599_stop": (1596, 2, 8524.0),
        "2100_stop": (2092, 7, 17166.0),
    }
    paths = find_instances(SHARED, WCVRPTW)
    assert {p.stem for p in paths} >= set(expected) - {p for p in expected if not (SHARED / f"{p}.txt").exists()}
    for path in paths:
        if path.stem not in expected:
            continue
        p = read_kim(path)
        customers, sites, load = expected[path.stem]
        assert (p.num_stops, len(p.disposal_sites)) == (customers, sites), path.stem
        assert sum(s.volume_m3 for s in p.stops) == pytest.approx(load, abs=0.05), path.stem
        assert published_best(path) is not None
