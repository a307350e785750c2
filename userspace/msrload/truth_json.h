/* SPDX-License-Identifier: GPL-2.0 */
#ifndef MSRLOAD_TRUTH_JSON_H
#define MSRLOAD_TRUTH_JSON_H

#include <json-c/json.h>

#include "vmm.h"

/* The whole ground-truth document; the caller owns it (json_object_put). */
json_object *result_json(const struct script *s, const struct vmm_result *r);

#endif
