"""Entanglement metrics for batches of quantum states and for parameterised circuits.

Conventions (shared by every function):

* **Batches.** Statevectors have shape ``(..., 2**n)``, density matrices
  ``(..., 2**n, 2**n)``; a per-state metric returns shape ``(...)`` (a NumPy scalar for a
  single state).  Everything is vectorised over the batch and processed in chunks of a few MiB,
  so memory stays bounded for large registers.
* **Qubit order.** qiskit's little-endian convention: qubit 0 is the least significant bit of
  the basis index.
* **Units.** Entropies are in bits (``base=2``) unless ``base`` says otherwise; expressibility
  is in nats, as in Sim et al. (2019).
* **Validation.** A ``ValueError`` names the problem: dimension not a power of two, qubit
  indices out of range or repeated, states not normalised (``atol=``) or with NaN, density
  matrices not Hermitian or without unit trace.

Pure states: :func:`reduced_density_matrix`, :func:`meyer_wallach`,
:func:`entanglement_entropy`, :func:`single_qubit_measures` (all per-qubit quantities from one
pass, for training loops), :func:`single_qubit_purities`, :func:`single_qubit_entropies`,
:func:`von_neumann_entropy`, :func:`bipartite_entropy`, :func:`renyi_entropy`,
:func:`linear_entropy`, :func:`concurrence` (also density matrices).

Density matrices: :func:`purity`, :func:`mixed_state_entropy`, :func:`negativity`,
:func:`log_negativity`, :func:`partial_transpose`.

Circuits: :func:`entangling_capability`, :func:`expressibility`, :func:`entangling_power`.

Randomized measurements (Brydges et al. 2019): :func:`randomized_purities` (simulated from
exact states, returns :class:`RandomizedPurities`), :func:`randomized_purities_from_counts`
(measured counts), :func:`randomized_meyer_wallach`, :func:`randomized_renyi2` (estimates with
standard errors, :class:`EstimateWithError`), :func:`mean_over_samples` (epoch level),
:func:`shot_budget` (measurement cost, :class:`ShotBudget`).

Scrambling of unitaries: :func:`tripartite_information`, :func:`choi_state`.

Haar-random references: :func:`page_entropy`, :func:`page_half_cut`,
:func:`meyer_wallach_haar_mean`, :func:`page_fraction`, :func:`meyer_wallach_haar_fraction`.
"""

from .circuit_measures import entangling_capability, entangling_power, expressibility
from .entanglement import (
    SingleQubitMeasures,
    concurrence,
    measures_from_purities,
    meyer_wallach,
    single_qubit_measures,
)
from .entropy import (
    bipartite_entropy,
    entanglement_entropy,
    linear_entropy,
    renyi_entropy,
    single_qubit_entropies,
    von_neumann_entropy,
)
from .haar import (
    meyer_wallach_haar_fraction,
    meyer_wallach_haar_mean,
    page_entropy,
    page_fraction,
    page_half_cut,
)
from .mixed import log_negativity, mixed_state_entropy, negativity, partial_transpose, purity
from .randomized import (
    EstimateWithError,
    RandomizedPurities,
    ShotBudget,
    mean_over_samples,
    randomized_meyer_wallach,
    randomized_purities,
    randomized_purities_from_counts,
    randomized_renyi2,
    shot_budget,
)
from .reduced_states import reduced_density_matrix, single_qubit_purities
from .scrambling import choi_state, tripartite_information

__all__ = [
    "EstimateWithError",
    "RandomizedPurities",
    "ShotBudget",
    "SingleQubitMeasures",
    "bipartite_entropy",
    "choi_state",
    "concurrence",
    "entangling_capability",
    "entangling_power",
    "entanglement_entropy",
    "expressibility",
    "linear_entropy",
    "log_negativity",
    "mean_over_samples",
    "meyer_wallach",
    "meyer_wallach_haar_fraction",
    "meyer_wallach_haar_mean",
    "mixed_state_entropy",
    "negativity",
    "page_entropy",
    "page_fraction",
    "page_half_cut",
    "partial_transpose",
    "purity",
    "randomized_meyer_wallach",
    "randomized_purities",
    "randomized_purities_from_counts",
    "randomized_renyi2",
    "reduced_density_matrix",
    "renyi_entropy",
    "shot_budget",
    "single_qubit_entropies",
    "single_qubit_measures",
    "measures_from_purities",
    "single_qubit_purities",
    "tripartite_information",
    "von_neumann_entropy",
]
