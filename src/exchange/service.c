/*
 * service.c — the catalogue of online public services (dancu/services.h).
 *
 * A subset of the Đề án 06 essential services, the ones whose work lands in
 * this register, plus the two linked groups of Decree 63/2024. Deadlines
 * in half working days (docs/EXCHANGE.md gives the sources; the linked
 * groups: the whole group ≤ 3 working days). Fees: 0 where the service is
 * free; residence-registration fees are per province (Circular 75/2022
 * sets the ceiling) — the figures here are the online rates most provinces
 * publish and are configuration, not law.
 */
#include <string.h>

#include "dancu/services.h"

#include "core/internal.h"

static const struct dc_service catalogue[] = {
        {"birth_registration", "1.001193", "Đăng ký khai sinh", "Birth registration",
         "Tư pháp (UBND cấp xã)", "officer", 2, 0, NULL, 0},
        {"perm_register", "1.004222", "Đăng ký thường trú", "Permanent residence registration",
         "Bộ Công an", "officer", 4, 10000, NULL, 0},
        {"bhyt_child", "", "Cấp thẻ BHYT cho trẻ em dưới 6 tuổi",
         "Health-insurance card for a child under 6", "BHXH", "bhxh", 4, 0, NULL, 1},
        {"death_registration", "1.000656", "Đăng ký khai tử", "Death registration",
         "Tư pháp (UBND cấp xã)", "officer", 2, 0, NULL, 0},
        {"perm_delete", "1.003197", "Xóa đăng ký thường trú", "Deletion of permanent residence",
         "Bộ Công an", "officer", 4, 0, NULL, 1},
        {"funeral_allowance", "", "Trợ cấp mai táng", "Funeral allowance", "BHXH / Nội vụ", "bhxh",
         20, 0, NULL, 1},
        {"temp_register", "1.004194", "Đăng ký tạm trú", "Temporary residence registration",
         "Bộ Công an", "officer", 6, 7000, NULL, 0},
        {"linked_birth", "3.000722",
         "Liên thông: khai sinh – đăng ký thường trú – cấp thẻ BHYT cho trẻ em dưới 6 tuổi",
         "Linked: birth – permanent residence – health insurance (child under 6)",
         "Tư pháp / Bộ Công an / BHXH", "officer", 6, 10000,
         "birth_registration,perm_register,bhyt_child", 0},
        {"linked_death", "2.002913",
         "Liên thông: khai tử – xóa đăng ký thường trú – trợ cấp mai táng",
         "Linked: death – deletion of permanent residence – funeral allowance",
         "Tư pháp / Bộ Công an / BHXH", "officer", 24, 0,
         "death_registration,perm_delete,funeral_allowance", 0},
};

const struct dc_service *dc_services(size_t *n)
{
	*n = DC_ARRAY_LEN(catalogue);
	return catalogue;
}

const struct dc_service *dc_service_find(const char *code)
{
	for (size_t i = 0; code && i < DC_ARRAY_LEN(catalogue); i++)
		if (!strcmp(catalogue[i].code, code))
			return &catalogue[i];
	return NULL;
}

int dc_svc_state_valid(const char *s)
{
	static const char *const states[] = {
	        "submitted", "received", "processing", "supplement_requested",
	        "completed", "rejected", "partial"};
	for (size_t i = 0; s && i < DC_ARRAY_LEN(states); i++)
		if (!strcmp(states[i], s))
			return 1;
	return 0;
}
