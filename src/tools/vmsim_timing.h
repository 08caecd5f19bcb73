/* SPDX-License-Identifier: MIT */
/*
 * The per-op triple of vmsim's --stats columns (ns_per_op, ns_per_op_min,
 * ns_per_op_max), computed in one place for every subcommand.
 */
#ifndef VMSIM_TIMING_H
#define VMSIM_TIMING_H

#include <stdint.h>

#include <vmbench/measure.h>

struct vmsim_per_op {
	double median, min, max;        /* ns per op; NaN: none measured */
};

/* The ns per op of the median, fastest and slowest repetition of @sec. */
static inline struct vmsim_per_op
vmsim_per_op(const struct measure_summary *sec, uint64_t ops)
{
	return (struct vmsim_per_op){
		measure_ns_per_op(sec->median, ops),
		measure_ns_per_op(sec->min, ops),
		measure_ns_per_op(sec->max, ops),
	};
}

#endif /* VMSIM_TIMING_H */
