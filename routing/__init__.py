"""Daily collection plans: which bins to visit, vehicle routing, checking and solver benchmarks.

The routing core, in the order a plan uses it::

    problem = Problem.from_frames(sites, bins, fleet, visits, matrices=...)   # routing.problem / routing.frames
    result = solve(problem, time_limit_s=60, progress=...)                     # routing.solvers
    assert_feasible(problem, result.solution)                                  # routing.check
    export_vrplib(problem, "day.vrp")                                          # routing.vrplib
"""

from routing.check import CHECKS as CHECKS
from routing.check import InfeasibleSolutionError as InfeasibleSolutionError
from routing.check import Violation as Violation
from routing.check import assert_feasible as assert_feasible
from routing.check import check as check
from routing.check import is_feasible as is_feasible
from routing.matrix import Matrices as Matrices
from routing.matrix import SpeedProfile as SpeedProfile
from routing.matrix import build_matrices as build_matrices
from routing.matrix import haversine_matrices as haversine_matrices
from routing.matrix import osrm_matrices as osrm_matrices
from routing.problem import Break as Break
from routing.problem import Depot as Depot
from routing.problem import DisposalSite as DisposalSite
from routing.problem import Problem as Problem
from routing.problem import Stop as Stop
from routing.problem import VehicleType as VehicleType
from routing.solution import REASONS as REASONS
from routing.solution import Route as Route
from routing.solution import Solution as Solution
from routing.solution import Unserved as Unserved
from routing.solution import Visit as Visit
from routing.solvers import Result as Result
from routing.solvers import solve as solve
from routing.vrplib import export_vrplib as export_vrplib
