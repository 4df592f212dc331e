"""Building blocks of the sample-city generator (private: use :mod:`waste.simulate`).

One module per job, so that a day-by-day operations simulator can reuse the parts it needs:

- :mod:`~waste.synthetic.cities`: the two reference cities as data (outline, water, parks, centres, climate).
- :mod:`~waste.synthetic.geography`: where bins stand and what kind of area surrounds them.
- :mod:`~waste.synthetic.sites`: depots and disposal facilities at their real locations.
- :mod:`~waste.synthetic.bins`: the bin table and each bin's hidden fill parameters.
- :mod:`~waste.synthetic.fleet`: vehicle types sized to serve the bins.
- :mod:`~waste.synthetic.calendar`: simulation clock in UTC with local hour, weekday and day.
- :mod:`~waste.synthetic.fill`: the true fill process (vectorised over bins, one call per time step).
- :mod:`~waste.synthetic.schedule`: planned collections and their outcomes (full, partial, missed).
- :mod:`~waste.synthetic.climate`: air temperature at the bins.
- :mod:`~waste.synthetic.sensors`: what an ultrasonic fill sensor reports (noise, spikes, stuck, gaps, battery).
- :mod:`~waste.synthetic.calibration`: constants measured on real sensor logs, with their derivation.
- :mod:`~waste.synthetic.output`: byte-reproducible CSV and gzip files.
"""
