"""Fill-level forecasting internals: the panel of series, our model, the baselines and the plots."""
