"""Demo execution: the only package that imports torch, matplotlib, kornia and scikit-learn.

The bot process never imports it; worker processes (bot.demos.runner) and the `tutorbot demo`
CLI do.
"""
