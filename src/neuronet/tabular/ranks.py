"""Finding a value by its rank in a column held in parts, exactly and without gathering it:
the medians of a table on a Dask cluster (``cluster_table.medians``).

Each float64 has a 64-bit key in the order of the values (``order_keys``). A ``Search`` knows
the range of keys that holds the value of its rank and how many values lie below it; each
pass asks every partition to count its values in ``2 ** BUCKET_BITS`` buckets of that range
(``narrow_part``), the counts are added up (``merge_narrowed``), and the search narrows to
the one bucket that holds the rank. Once at most ``GATHER`` values are left in it, they are
sent whole and the value of the rank is picked: two or three passes on most columns, at most
six. As in ``partials``, the functions never change what they are given.
"""

from __future__ import annotations

from functools import reduce

import numpy as np

#: The buckets of each histogram of a median's pass: 2 ** BUCKET_BITS.
BUCKET_BITS = 12
#: A median's candidates are sent whole once at most this many remain.
GATHER = 4096
_SIGN = np.uint64(1 << 63)

def order_keys(values):
    """Each float64 as a uint64 in the same order: the sign bit flipped for positive numbers,
    every bit for negative ones.

    Parameters
    ----------
    values : ndarray of float64
        Numbers, without NaN.

    Returns
    -------
    ndarray of uint64
        Their keys: a smaller value has a smaller key.
    """
    bits = values.view(np.uint64)
    return np.where(bits >> np.uint64(63), ~bits, bits | _SIGN)


def from_order_key(key: int) -> float:
    """The float64 whose ``order_keys`` key is ``key``.

    Parameters
    ----------
    key : int
        A key, from 0 to ``2 ** 64 - 1``.

    Returns
    -------
    float
        The value.
    """
    bits = key ^ (1 << 63) if key >> 63 else ~key & ((1 << 64) - 1)
    return float(np.array([bits], dtype=np.uint64).view(np.float64)[0])


class Search:
    """The search for the value of rank ``rank`` (from 0) in column ``column``: it lies among
    the ``inside`` values whose keys are from ``low`` to ``high``; ``below`` are smaller.

    ``value`` is None until the search has found it.

    Parameters
    ----------
    column : int
        The column of the partitions' blocks.
    rank : int
        The rank of the value sought, from 0, among the column's values that are not NaN.
    count : int
        How many such values there are.
    """

    def __init__(self, column, rank, count):
        self.column, self.rank = column, rank
        self.low, self.high, self.below, self.inside = 0, (1 << 64) - 1, 0, count
        self.value = None

    def request(self):
        """(column, low, high, shift): the buckets of the next pass, keys >> shift from low;
        shift None: send the values themselves.

        Returns
        -------
        tuple of (int, int, int, int or None)
            (column, low, high, shift), for ``narrow_part``.
        """
        if self.inside <= GATHER:
            return self.column, self.low, self.high, None
        return self.column, self.low, self.high, \
            max(0, (self.high - self.low).bit_length() - BUCKET_BITS)

    def narrow(self, shift, result) -> None:
        """Narrow the search to the bucket that holds the rank, from a pass's ``result``; set
        ``value`` once it is found.

        Parameters
        ----------
        shift : int or None
            The request's shift: the buckets' width in bits, or None when the values
            themselves were sent.
        result : tuple
            (how many values lie below ``low``, the count of each bucket or the sorted
            values in the range), as ``sorted_candidates`` gives it.
        """
        below, found = result
        self.below = below
        if shift is None:  # the candidates themselves, sorted
            self.value = float(found[self.rank - below])
            return
        ends = below + np.cumsum(found)
        bucket = int(np.searchsorted(ends, self.rank, side="right"))
        self.below = int(ends[bucket] - found[bucket])
        self.inside = int(found[bucket])
        self.low += bucket << shift
        self.high = min(self.high, self.low + (1 << shift) - 1)
        if self.low == self.high:
            self.value = from_order_key(self.low)


def narrow_part(block, requests) -> list:
    """One partition's answer to each request of a median's pass.

    Parameters
    ----------
    block : ndarray
        The partition's block, as ``partials.numbers_part`` gives it.
    requests : list of tuple
        ``Search.request`` of each search.

    Returns
    -------
    list of tuple
        Per request, (how many values lie below its range, the count of the values in each
        bucket of the range), or with shift None, the values in the range themselves.
    """
    results = []
    keys_of = {}
    for column, low, high, shift in requests:
        if column not in keys_of:
            values = block[:, column]
            values = values[~np.isnan(values)]
            keys_of[column] = (values, order_keys(values))
        values, keys = keys_of[column]
        low64, high64 = np.uint64(low), np.uint64(high)
        below = int(np.count_nonzero(keys < low64))
        inside = (keys >= low64) & (keys <= high64)
        if shift is None:
            results.append((below, values[inside]))
        else:
            buckets = ((keys[inside] - low64) >> np.uint64(shift)).astype(np.int64)
            results.append((below, np.bincount(buckets,
                                               minlength=((high - low) >> shift) + 1)))
    return results


def merge_narrowed(*parts) -> list:
    """Several partitions' answers to a median's pass together: counts added up, values put
    together.

    Parameters
    ----------
    *parts
        Reports of ``narrow_part`` (or merged ones), in partition order.

    Returns
    -------
    list of tuple
        As ``narrow_part`` gives it, for all their rows.
    """
    merged = []
    for results in zip(*parts):
        below = sum(r[0] for r in results)
        found = results[0][1]
        if found.dtype.kind == "f":
            found = np.concatenate([r[1] for r in results])
        else:
            found = reduce(np.add, [r[1] for r in results])
        merged.append((below, found))
    return merged


def sorted_candidates(results) -> list:
    """The merged answers with the values sent whole sorted, ready for ``Search.narrow``.

    Parameters
    ----------
    results : list of tuple
        The merged answers of every partition.

    Returns
    -------
    list of tuple
        The same, values sorted.
    """
    return [(below, np.sort(found) if found.dtype.kind == "f" else found)
            for below, found in results]
