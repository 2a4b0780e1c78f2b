/*
 * The SDK helpers caseflow needs that @temporalio/common does not export from its package root:
 * history JSON (as `temporal workflow show --output json` writes it) and search attributes as
 * visibility returns them. The deep imports live here only, so an SDK upgrade that moves them is
 * one file to change.
 */
export { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
export { historyFromJSON, historyToJSON } from '@temporalio/common/lib/proto-utils';
export { encodeSearchAttributeIndexedValueType } from '@temporalio/common/lib/search-attributes';
