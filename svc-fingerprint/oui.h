/* MAC address vendors from the IEEE registries as Debian's ieee-data ships
 * them (oui.csv, mam.csv, oui36.csv, iab.csv): the longest registered prefix
 * wins, so a 36-bit block inside a 24-bit one names its own owner. */
#ifndef FP_OUI_H
#define FP_OUI_H

struct fp_oui;

/* Loads the registries found in dir (usually /usr/share/ieee-data). A missing
 * file is skipped with a warning; NULL only when none could be read. */
struct fp_oui *fp_oui_load(const char *dir);
void fp_oui_free(struct fp_oui *o);
/* The organisation name for a MAC ("00:17:88:01:02:03"), NULL when unknown,
 * malformed, multicast or locally administered (randomised). */
const char *fp_oui_vendor(const struct fp_oui *o, const char *mac);
unsigned long fp_oui_count(const struct fp_oui *o);

#endif
