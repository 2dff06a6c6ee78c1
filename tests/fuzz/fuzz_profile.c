/* SPDX-License-Identifier: MIT */
/* libFuzzer target: the advisor's service-profile reader (seeds:
 * tests/fuzz/corpus/profile/); the body is shared in advise_fuzz.h. */
#include "advise_fuzz.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
	return advise_fuzz_one(data, size);
}
