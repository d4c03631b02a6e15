"""The learned world model: a frame autoencoder and an action-conditioned latent dynamics
transformer, trained on simulator rollouts, behind the world-backend contract (see
docs/world-model.md)."""
