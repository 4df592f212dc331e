"""Per-route limits, the lunch window and the end-with-unloading rule: solved by OR-Tools and caught by the checker.

The cases are small WCVRPTW texts (Kim et al.'s format): one mile (5,280 ft) takes 90 s at 40 mph.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from routing.bench.kim import parse_kim, problem_from_kim
from routing.check import assert_feasible, check, totals
from routing.objectives import apply_objective, vehicle_weight
from routing.problem import Problem
from routing.solution import Route, Solution, Visit
from routing.solvers import solve

pytest.importorskip("ortools")

MILE = 5280
H = 3600


def kim_text(cap: float, route_cap: float, max_stops: int, depot: tuple[str, str], rows: list[tuple]) -> str:
    """A file with the depot at (0, 0), a landfill one mile east, and ``rows`` of customers ``(x_mi, y_mi, ...)``."""
    lines = [f"{cap} // cap", f"{route_cap} // route cap", f"{max_stops} // stops", "3600 // lunch", "40 // mph"]
    lines.append("Stop_ID X(feet) Y(feet) Early Late Service Load Type")
    lines.append(f"0 0 0 {depot[0]} {depot[1]} 0 9999 0")
    lines.append(f"1 {MILE} 0 0000 2400 600 9999 2")
    for i, (x, y, early, late, service, load) in enumerate(rows, start=2):
        lines.append(f"{i} {x * MILE} {y * MILE} {early} {late} {service} {load} 1")
    return "\n".join(lines) + "\n"


def solved(p: Problem, seconds: float = 3.0) -> Solution:
    result = solve(p, time_limit_s=seconds)
    assert result.solution.unserved == ()
    assert_feasible(p, result.solution)
    return result.solution


def test_truck_unloads_twice_before_lunch():
    """Three 8-yard bins due by 11:00 and a 10-yard truck: it unloads after each one, twice before the last bin."""
    rows = [(0, 1, "0600", "1100", 300, 8), (0, 2, "0600", "1100", 300, 8), (0, 3, "0600", "1100", 300, 8)]
    p = problem_from_kim(parse_kim(kim_text(10, 100, 50, ("0600", "1500"), rows)), "twice", fleet=1)
    (route,) = solved(p).routes
    kinds = [v.kind for v in route.visits]
    assert kinds.count("disposal") == 3
    assert kinds[-2:] == ["disposal", "depot"]
    last_bin = max(v.start_s for v in route.visits if v.kind == "stop")
    assert sum(v.kind == "disposal" and v.start_s < last_bin for v in route.visits) == 2
    assert last_bin <= 11 * H


def test_stop_limit_forces_a_second_truck():
    rows = [(0, 1, "0000", "2400", 60, 1), (0, 1.1, "0000", "2400", 60, 1), (0, 1.2, "0000", "2400", 60, 1)]
    p = problem_from_kim(parse_kim(kim_text(100, 100, 2, ("0600", "1500"), rows)), "stops", fleet=3)
    s = solved(p)
    assert totals(p, s)[0] == 2
    assert sorted(len(r.stops()) for r in s.routes) == [1, 2]
    unlimited = solved(p.replace(vehicle_types=(replace(p.vehicle_types[0], max_stops=None),)))
    assert totals(p, unlimited)[0] == 1


def test_daily_yardage_does_not_reset_at_unloading():
    """Bins of 6 yd, a 10-yd body and 12 yd a day: each truck takes two bins over two trips, never three."""
    rows = [(0, 1 + i / 10, "0000", "2400", 60, 6) for i in range(4)]
    p = problem_from_kim(parse_kim(kim_text(10, 12, 50, ("0600", "1500"), rows)), "yards", fleet=3)
    s = solved(p)
    assert totals(p, s)[0] == 2
    for route in s.routes:
        assert len(route.stops()) == 2
        assert route.disposal_trips() == 2


def test_lunch_window_forces_waiting():
    """Bin A due 11:00-11:05, bin B 11:50-12:15, depot open from 11:00: lunch fits neither before A nor after B.

    So it is taken between them, and B, ready from 11:50, waits for the end of lunch.
    """
    rows = [(0, 0.5, "1100", "1105", 300, 4), (0, 1, "1150", "1215", 300, 5)]
    p = problem_from_kim(parse_kim(kim_text(10, 100, 50, ("1100", "1400"), rows)), "lunch", fleet=1)
    (route,) = solved(p).routes
    assert 11 * H <= route.break_start_s <= 12 * H
    a, b = (v for v in route.visits if v.kind == "stop")
    assert (p.stops[a.index].id, p.stops[b.index].id) == ("2", "3")
    assert a.departure_s <= route.break_start_s
    assert b.start_s >= route.break_start_s + H > 12 * H


def test_objectives_cost_trucks_then_miles_or_miles_only():
    """The distance objective costs one unit per mile; the vehicle objective adds a truck cost above any day's miles."""
    rows = [(0, 20, "0000", "2400", 60, 1), (0, -20, "0000", "2400", 60, 1)]
    data = parse_kim(kim_text(100, 100, 50, ("0400", "2000"), rows))
    by_vehicles = problem_from_kim(data, "obj", fleet=2)
    by_miles = problem_from_kim(data, "obj", objective="distance", fleet=2)
    for p in (by_vehicles, by_miles):
        s = solved(p)
        used, distance = totals(p, s)
        miles = distance / (MILE * 100)
        assert used == 1
        assert miles == pytest.approx(20 + 40 + 21 + 1)  # depot, both bins, landfill, depot (Manhattan)
        assert s.cost() == pytest.approx(miles + used * p.vehicle_types[0].fixed_cost)
    assert by_miles.vehicle_types[0].fixed_cost == 0
    fixed = by_vehicles.vehicle_types[0].fixed_cost
    assert fixed == vehicle_weight(by_miles, list(by_miles.vehicle_types))
    longest = by_miles.distance_m.max() / (MILE * 100)
    assert fixed >= longest * (2 * by_miles.num_stops + 2 * by_miles.num_vehicles)
    with pytest.raises(ValueError, match="unknown objective"):
        apply_objective(by_miles, "fun")


# -- the checker catches each new violation -----------------------------------------------------------------------


def hand_route(p: Problem, seq: list[tuple[str, int]], depart_s: int, brk: int | None) -> Route:
    """Visits at the earliest times, loads in body m3, the break taken before the leg it starts on."""
    places = {"depot": p.depots, "stop": p.stops, "disposal": p.disposal_sites}
    vt = p.vehicle_types[0]
    visits, m3, now, prev = [], 0.0, depart_s, None
    for kind, i in seq:
        place = places[kind][i]
        arrival = now if prev is None else now + int(p.duration_s[prev, place.location])
        if brk is not None and prev is not None and now <= brk < arrival:
            arrival += vt.driver_break.duration_s
        start, service = max(arrival, getattr(place, "tw_start_s", 0)), 0
        if kind == "stop":
            service, m3 = p.stops[i].service_s, m3 + p.stops[i].volume_m3
        elif kind == "disposal":
            service, m3 = p.disposal_sites[i].unload_s, 0.0
        visits.append(Visit(kind, i, arrival, start, start + service, 0.0, m3))  # type: ignore[arg-type]
        now, prev = start + service, place.location
    return Route(0, 0, tuple(visits), brk)


@pytest.fixture
def four_bins() -> Problem:
    rows = [(0, 1 + i / 10, "0000", "2400", 60, 4) for i in range(3)] + [(0, 1.5, "0000", "2400", 60, 0)]
    return problem_from_kim(parse_kim(kim_text(10, 10, 3, ("0600", "1500"), rows)), "check", fleet=2)


def names(p: Problem, routes: list[Route]) -> set[str]:
    served = {s for r in routes for s in r.stops()}
    from routing.solution import Unserved

    unserved = tuple(Unserved(i, "fleet") for i in range(p.num_stops) if i not in served)
    return {v.check for v in check(p, Solution(p, tuple(routes), unserved))}


def test_checker_accepts_a_good_hand_made_route(four_bins):
    p = four_bins
    route = hand_route(p, [("depot", 0), ("stop", 0), ("stop", 1), ("disposal", 0), ("depot", 0)], 6 * H, 11 * H)
    assert names(p, [route]) == set()


def test_checker_catches_the_last_visit_not_an_unloading(four_bins):
    """The bin of 0 yd comes last: the truck is empty, but the route does not end with an unloading."""
    p = four_bins
    seq = [("depot", 0), ("stop", 0), ("disposal", 0), ("stop", 3), ("depot", 0)]
    assert names(p, [hand_route(p, seq, 6 * H, 11 * H)]) == {"ends_empty"}
    weaker = p.replace(vehicle_types=(replace(p.vehicle_types[0], ends_at_disposal=False),))
    assert names(weaker, [hand_route(weaker, seq, 6 * H, 11 * H)]) == set()


def test_checker_catches_daily_yardage_over_two_trips(four_bins):
    """4 + 4 yd, unload, 4 yd: each trip fits the 10-yd body, the day's 12 yd pass the 10-yd daily limit."""
    p = four_bins
    seq = [("depot", 0), ("stop", 0), ("stop", 1), ("disposal", 0), ("stop", 2), ("disposal", 0), ("depot", 0)]
    assert names(p, [hand_route(p, seq, 6 * H, 11 * H)]) == {"max_collected"}
    assert p.stops[0].volume_m3 * 3 > p.vehicle_types[0].max_collected_m3 > 2 * 4


def test_checker_catches_the_stop_limit(four_bins):
    p = four_bins
    seq = [("depot", 0), ("stop", 0), ("stop", 3), ("disposal", 0), ("stop", 1), ("stop", 2), ("disposal", 0)]
    routes = [hand_route(p, [*seq, ("depot", 0)], 6 * H, 11 * H)]
    assert "max_stops" in names(p, routes)


@pytest.mark.parametrize(("brk", "expected"), [(None, {"break"}), (10 * H, {"break"}), (12 * H + 60, {"break"})])
def test_checker_catches_the_lunch_window(four_bins, brk, expected):
    p = four_bins
    seq = [("depot", 0), ("stop", 0), ("disposal", 0), ("depot", 0)]
    assert names(p, [hand_route(p, seq, 6 * H, brk)]) == expected


def test_checker_recomputes_trucks_and_miles(four_bins):
    p = four_bins
    a = hand_route(p, [("depot", 0), ("stop", 0), ("stop", 1), ("disposal", 0), ("depot", 0)], 6 * H, 11 * H)
    b = replace(hand_route(p, [("depot", 0), ("stop", 2), ("stop", 3), ("disposal", 0), ("depot", 0)], 6 * H, 11 * H))
    b = Route(0, 1, b.visits, b.break_start_s)
    used, distance = totals(p, Solution(p, (a, b)))
    assert used == 2
    # Depot (0,0) -> (0,1) -> (0,1.1) -> landfill (1,0) -> depot: 1 + 0.1 + 2.1 + 1 miles, Manhattan.
    first = 1 + 0.1 + (1 + 1.1) + 1
    second = 1.2 + 0.3 + (1 + 1.5) + 1
    assert distance / (MILE * 100) == pytest.approx(first + second)


# -- the model keeps the rule, the construction and the route files ------------------------------------------------


def test_bin_without_load_is_followed_by_an_unloading(four_bins):
    """The 0-yd bin sits furthest out: the solver may not leave it last, as an empty truck might."""
    s = solved(four_bins)
    assert all(route.visits[-2].kind == "disposal" for route in s.routes)


def test_construction_serves_every_bin_within_the_rules(four_bins):
    from routing.solvers.construct import construct

    s = construct(four_bins)
    assert s is not None
    assert s.unserved == ()
    assert check(four_bins, s) == []
    assert totals(four_bins, s)[0] == 2  # 3 bins of 4 yd against 10 yd a day, 3 stops a day


def test_route_file_round_trip_and_tampering(four_bins, tmp_path):
    from routing.bench.errors import BenchInputError
    from routing.bench.route_files import read_solution_csv, write_solution_csv

    s = solved(four_bins)
    path = write_solution_csv(s, tmp_path / "routes.csv")
    back = read_solution_csv(four_bins, path)
    assert check(four_bins, back) == []
    assert totals(four_bins, back) == totals(four_bins, s)
    lines = path.read_text().splitlines()
    unloadings = [n for n, line in enumerate(lines) if ",disposal," in line]
    tampered = [line for n, line in enumerate(lines) if n != unloadings[-1]]
    (tmp_path / "bad.csv").write_text("\n".join(tampered) + "\n")
    assert {v.check for v in check(four_bins, read_solution_csv(four_bins, tmp_path / "bad.csv"))} >= {"ends_empty"}
    (tmp_path / "worse.csv").write_text(lines[0] + "\n" + lines[1].replace(",depot,0,", ",depot,nowhere,") + "\n")
    with pytest.raises(BenchInputError, match="line 2"):
        read_solution_csv(four_bins, tmp_path / "worse.csv")


@pytest.mark.slow
def test_waste_bench_runs_the_family(tmp_path):
    """``waste bench --family wcvrptw`` on a hand-made file: checked, vehicles and miles recomputed, routes saved."""
    from click.testing import CliRunner

    from routing.bench.cli import bench
    from routing.bench.route_files import read_solution_csv
    from routing.bench.runner import COLUMNS

    rows = [(0, 1, "0600", "1100", 300, 8), (0, 2, "0600", "1100", 300, 8), (2, 0, "0000", "2400", 60, 0)]
    (tmp_path / "data").mkdir()
    (tmp_path / "data" / "3_stop.txt").write_text(kim_text(10, 100, 50, ("0600", "1500"), rows), encoding="utf-8")
    out, saved = tmp_path / "out", tmp_path / "routes"
    args = ["--data", str(tmp_path / "data"), "--family", "wcvrptw", "--solvers", "ortools,pyvrp", "--time-limit", "2"]
    result = CliRunner().invoke(
        bench, [*args, "--out", str(out), "--save-routes", str(saved), "--objective", "distance"]
    )
    assert result.exit_code == 0, result.output
    import csv

    with (out / "results.csv").open() as fh:
        got = {r["solver"]: r for r in csv.DictReader(fh)}
    assert list(got["ortools"]) == COLUMNS
    assert got["ortools"]["status"] == "ok"
    assert got["ortools"]["objective"] == "distance"
    assert got["pyvrp"]["status"] in {"not_applicable", "unavailable"}
    assert float(got["ortools"]["cost"]) == pytest.approx(float(got["ortools"]["distance"]), abs=1e-3)
    p = problem_from_kim(parse_kim((tmp_path / "data" / "3_stop.txt").read_text()), "3_stop", objective="distance")
    back = read_solution_csv(p, saved / "3_stop_ortools_seed0.csv")
    assert check(p, back) == []
    assert totals(p, back)[0] == int(got["ortools"]["vehicles"])
