/** The API versions mounted (CONTRACT §1): Graph's two, and the segment used on the original API page. */
export const API_VERSIONS = ['beta', 'v1.0', 'localtest'] as const;
