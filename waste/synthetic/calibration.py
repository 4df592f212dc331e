"""Constants measured on real bin-sensor logs, with the figures they come from.

``benchmarks/calibrate_sensors.py`` measured three public logs once; its report is
``benchmarks/results/sensor_calibration.md``. The generator uses only the constants below, so it runs without the
logs. Abbreviations: *Prague* = Golemio / Sensoneo ultrasonic sensors on 15 sorted-waste containers, 2023-2025,
113,400 readings; *Edinburgh* = City of Edinburgh Council litter-bin trial 2016, 10,000 collections at 334 bins;
*Wyndham* = Wyndham City Council solar compactor bins, 30,659 bin-days.
"""

from __future__ import annotations

# --- Fill rates (points of the bin's volume per day, before area and weekday factors) ----------------------------

#: Street litter bin in a city centre. Edinburgh: fill before collection (median 81 %) over the interval since the
#: previous one (median 40.8 h) gives a median of 46.3 pts/day (quartiles 30.6 and 71.6) on its sensors' scale,
#: where 100 % means 80 % full by volume: 46.3 x 0.8 = 37 % of the volume a day.
LITTER_RATE = 37.0
#: Roadside container on a fast cycle. Prague paper containers: 44.7 pts/day median (quartiles 31.0 and 67.4),
#: emptied every 48 h (median) at 87 % (median level before).
CONTAINER_RATE = 44.7
#: Slow recycling container (glass). Prague glass: 4.3 pts/day, emptied every 332 h (about two weeks).
GLASS_RATE = 4.3
#: Solar compactor, in points of compacted volume. Wyndham (suburban Melbourne): mean rise 11.4 pts/day below full.
COMPACTOR_RATE = 11.4
#: Spread of the mean fill rate between bins of one kind and area (SD of log rate). Prague paper's quartiles span a
#: factor 2.2 (log SD 0.57) including day-to-day variation, of which this is the between-bin part.
BETWEEN_BIN_LOG_SD = 0.45
#: Day-to-day variation of a bin's rate (SD of the log multiplier) and its day-to-day persistence (AR(1)).
DAY_LOG_SD = 0.25
DAY_AR1 = 0.5

#: Filling by local hour, relative to the daily mean (mean 1). Prague paper containers (Prague local time):
#: almost nothing 01-05, rising from 07, a plateau 10-18, tailing off after 20.
HOUR_PROFILE_PRAGUE = (
    0.13, 0.07, 0.06, 0.02, 0.04, 0.07, 0.24, 0.77, 1.44, 1.90, 2.12, 1.92,
    2.00, 1.67, 1.64, 1.61, 1.60, 1.52, 1.51, 1.30, 1.02, 0.66, 0.52, 0.17,
)  # fmt: skip
#: Filling by weekday (Monday first), relative to the weekly mean. Prague paper: Saturday high, Sunday low.
WEEKDAY_PROFILE_PRAGUE = (1.12, 1.04, 1.00, 1.03, 1.02, 1.13, 0.66)

# --- Collections ----------------------------------------------------------------------------------------------------

#: Level (%) an average bin reaches at the end of the longest interval of its round; rounds are planned for it.
#: Checked against the logs: it gives a median level before emptying of ~65 % with ~20 % of emptyings finding the
#: bin full. Edinburgh: median 81 % on a scale where 100 % means 80 % full by volume (so ~65 % by volume), 14 % at
#: the top of the scale; Prague paper: 20 % of emptyings at 100 %.
TARGET_LEVEL_PCT = 105.0
#: Fastest mean fill rate kept (% a day): a bin that would fill faster than a daily round can follow is, in practice,
#: replaced by a bigger one.
MAX_RATE_PCT_DAY = 95.0
#: Share of emptyings that leave a lot behind (> 20 %). Prague: 3.2 % for paper, 15 % for glass.
PARTIAL_SHARE = 0.05
#: Residual after a full emptying (%): exponential with this mean. Prague: median after 1 % (paper), 6 % (glass).
RESIDUAL_MEAN_PCT = 2.5
#: Planned collections that do not happen (truck breakdown, blocked access, crew shortage). Not measurable in the
#: logs (a missed collection leaves no trace); a planning assumption.
MISSED_SHARE = 0.03
#: SD of a collection's time around its planned slot (minutes): routes run early or late.
SLOT_JITTER_MIN = 25.0

# --- Sensor ------------------------------------------------------------------------------------------------------

#: Heartbeat intervals (minutes) and their shares. Prague: gaps of 120 and 180 min dominate (median 120 min; paper
#: 180 min). The committed samples use 180 min only, to keep them small. Heartbeats keep a fixed phase on the
#: sensor's clock; extra reports on a level change come in between.
HEARTBEAT_MIN = (120, 180)
HEARTBEAT_SHARE = (0.0, 1.0)
#: Local hours without heartbeats, from 22:00 to 05:00 (the sensor sleeps; a level change still wakes it). Prague's
#: plastic/metal sensors report every 120 min by day with a 420 min (7 h) gap at night (gap p90 420 min).
QUIET_HOURS = (22.0, 5.0)
#: The sensor measures every 10 min and reports at once when the level moved this much since its last report.
#: Prague: 18 % of gaps are shorter than 60 min, at 10-minute steps (paper 15 %, plastic/metal 2 %). 15 points gives
#: 6-7 % in the samples: fewer extra reports than Prague, for smaller files; emptyings and big lumps still show.
REPORT_CHANGE_PTS = 15
#: Measurement error, SD in points, and its persistence from one 10-minute measurement to the next (AR(1)).
#: Prague: SD 1.1 pts of residuals from the running median of three readings; consecutive readings are equal in
#: 63 % (glass) and 56 % (plastic/metal) of cases, so the error changes slowly rather than at every reading. With
#: these values the same residual measure on the samples is 0.9 pts (fast-filling bins report fewer equal values).
NOISE_SD = 1.5
NOISE_AR1 = 0.95
#: Isolated spikes, per 1,000 reports: Prague 1.9 up (an object, a hand or a bag under the sensor) and 1.3 down
#: (an echo off the wall). Applied per 10-minute measurement: 144 measurements a day over ~6 reports.
SPIKE_UP_PER_1000 = 1.9
SPIKE_DOWN_PER_1000 = 1.3
MEASUREMENTS_PER_REPORT = 23
#: Objects stuck under the sensor for hours (lid jammed, cardboard wedged): episodes per bin-day, duration (h).
OBSTRUCTION_PER_DAY = 0.004
OBSTRUCTION_MEDIAN_H = 4.0
#: Frozen readings (same value repeated). Prague: 1.3 flat runs of >= 24 h at 5-95 % per 100 container-days, mean
#: 31 h; about half are idle slow containers rather than faults, so half that rate is used.
STUCK_PER_DAY = 0.0065
STUCK_MEDIAN_H = 20.0
#: Outages with no reports (network, gateway, sensor reset). Prague: 0.30 gaps > 12 h per 100 container-days, median
#: 14 h, longest 17 days; plus lost single uplinks (LoRaWAN packet loss, a planning assumption).
OUTAGE_PER_DAY = 0.003
OUTAGE_MEDIAN_H = 14.0
OUTAGE_LOG_SD = 1.0
UPLINK_LOSS = 0.015
