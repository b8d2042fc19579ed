// Operations of an environment's files (the fileManagement capability):
// one folder's listing (and its folders and usage alone, read again after a
// live change), the recursive summary a folder delete confirms with, the
// writes, and the feed of changes. Uploads go by PUT to /admin/files/…
// (lib/files.ts), not here.
import { gql } from '@urql/core';
import type * as T from '../../../generated/graphql';

export const FileInfoFields = gql`
  fragment FileInfoFields on FileInfo {
    path
    name
    size
    contentType
    modifiedAt
    etag
    downloadUrl
    readOnly
  }
`;

export const FilesQuery = gql<T.FilesQuery, T.FilesQueryVariables>`
  query Files($environment: String!, $folder: String, $first: Int, $after: String) {
    files(environment: $environment, folder: $folder, first: $first, after: $after) {
      folder
      readOnly
      folders
      usedBytes
      quotaBytes
      maxFileBytes
      files {
        pageInfo {
          hasNextPage
          endCursor
        }
        edges {
          cursor
          node {
            ...FileInfoFields
          }
        }
      }
    }
  }
  ${FileInfoFields}
`;

export const FilesUsageQuery = gql<T.FilesUsageQuery, T.FilesUsageQueryVariables>`
  query FilesUsage($environment: String!, $folder: String) {
    files(environment: $environment, folder: $folder, first: 1) {
      folder
      folders
      usedBytes
      quotaBytes
      maxFileBytes
    }
  }
`;

export const FileChangesSubscription = gql<T.FileChangesSubscription, T.FileChangesSubscriptionVariables>`
  subscription FileChanges($environment: String!, $folder: String, $after: String) {
    fileChanges(environment: $environment, folder: $folder, after: $after) {
      cursor
      op
      path
      previousPath
      size
      contentType
      at
    }
  }
`;

export const FolderSummaryQuery = gql<T.FolderSummaryQuery, T.FolderSummaryQueryVariables>`
  query FolderSummary($environment: String!, $path: String!) {
    folderSummary(environment: $environment, path: $path) {
      files
      bytes
    }
  }
`;

export const CreateFolderMutation = gql<T.CreateFolderMutation, T.CreateFolderMutationVariables>`
  mutation CreateFolder($environment: String!, $path: String!) {
    createFolder(environment: $environment, path: $path)
  }
`;

export const MoveFileMutation = gql<T.MoveFileMutation, T.MoveFileMutationVariables>`
  mutation MoveFile($environment: String!, $from: String!, $to: String!) {
    moveFile(environment: $environment, from: $from, to: $to) {
      ...FileInfoFields
    }
  }
  ${FileInfoFields}
`;

export const DeleteFileMutation = gql<T.DeleteFileMutation, T.DeleteFileMutationVariables>`
  mutation DeleteFile($environment: String!, $path: String!) {
    deleteFile(environment: $environment, path: $path)
  }
`;

export const DeleteFolderMutation = gql<T.DeleteFolderMutation, T.DeleteFolderMutationVariables>`
  mutation DeleteFolder($environment: String!, $path: String!) {
    deleteFolder(environment: $environment, path: $path)
  }
`;
