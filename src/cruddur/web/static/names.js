// A few people named in one phrase ("Ada", "Ada and Bruno", "Ada, Bruno and 2 others"): who is
// typing, who has seen a message. The server names an untitled group's row by the same rule
// (domain/groups.py row_name); keep the two alike.
const SHOWN = 2;  // names spelled out before "and N others"

export function someNames(names) {
  if (names.length <= SHOWN) return names.join(" and ");
  const rest = names.length - SHOWN;
  return `${names.slice(0, SHOWN).join(", ")} and ${rest} other${rest === 1 ? "" : "s"}`;
}
