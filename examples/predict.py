"""The demo model's inference code for `mlv serve`: the probability of label 1.

model.npy (written by train.py) holds the training columns' means and standard deviations,
then the weights (age, income, bias). `mlv serve` runs this file with the model directory as
the current directory and calls predict() with a dict of column name -> NumPy array
(input_format: columns); city is accepted and ignored, as in training.
"""
import numpy as np

params = np.load("model.npy")
mean, std, w = params[:2], params[2:4], params[4:]


def predict(columns):
    x = (np.column_stack([columns["age"], columns["income"]]) - mean) / std
    return 1.0 / (1.0 + np.exp(-(x @ w[:2] + w[2])))
